// The session log panel: every step of the selected session with its time (created, PIN
// issued, customer joined, EULA accepted, started, on hold, ended …), from
// GET api/sessions/{id}/log, refreshed whenever the session list changes.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const EVENT_TEXT = {
    created: 'Session created',
    pin_issued: 'PIN issued',
    email_sent: 'Invitation e-mailed to',
    customer_joined: 'Customer joined',
    eula_accepted: 'Licence agreement accepted',
    eula_declined: 'Licence agreement declined',
    started: 'Started',
    on_hold: 'Put on hold',
    resumed: 'Resumed',
    ended: 'Ended',
    expired: 'PIN expired',
    timed_out: 'Timed out',
    camera_control: 'Camera control',
    control_refused: 'Camera control refused',
    log_truncated: 'Log truncated (too many entries)',
  };
  const state = { session: null, loading: 0 };

  async function refresh() {
    const session = state.session;
    if (!session) return;
    const ticket = ++state.loading;
    let entries = [];
    try {
      const response = await fetch('api/sessions/' + encodeURIComponent(session.id) + '/log', { credentials: 'same-origin' });
      if (!response.ok) return;
      entries = await response.json();
    } catch (_) {
      return;
    }
    // A later selection or refresh wins.
    if (ticket !== state.loading) return;
    $('session-log').hidden = false;
    $('session-log').dataset.sessionId = session.id;
    $('session-log-customer').textContent = '– ' + session.customer_name;
    $('session-log-entries').replaceChildren(...entries.map((entry) => {
      const li = document.createElement('li');
      li.setAttribute('data-testid', 'session-log-entry');
      li.dataset.event = entry.event;
      const time = document.createElement('time');
      time.dateTime = new Date(entry.at).toISOString();
      time.textContent = new Date(entry.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
      const text = (EVENT_TEXT[entry.event] || entry.event) + (entry.detail ? ': ' + entry.detail : '');
      li.append(time, ' ', text);
      return li;
    }));
  }

  document.addEventListener('lens:session-selected', (event) => {
    state.session = event.detail;
    refresh();
  });
  document.addEventListener('lens:sessions', (event) => {
    if (!state.session) return;
    const current = event.detail.find((s) => s.id === state.session.id);
    if (current) { state.session = current; refresh(); }
  });
  document.addEventListener('lens:signed-out', () => {
    state.session = null;
    $('session-log').hidden = true;
    $('session-log-entries').replaceChildren();
  });
})();
