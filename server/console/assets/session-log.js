// The session log panel: every step of the selected session with its time (created, PIN
// issued, customer joined, EULA accepted, started, on hold, ended …), from
// GET api/sessions/{id}/log, refreshed whenever the session list changes or the server tells
// of a logged event (session-log-changed).
import { $, el } from './dom.js';
import { api } from './api.js';
import { on } from './bus.js';
import { logLine } from './log-words.js';

const state = { session: null, loading: 0 };

async function refresh() {
  const session = state.session;
  if (!session) return;
  const ticket = ++state.loading;
  let result;
  try {
    result = await api('api/sessions/' + encodeURIComponent(session.id) + '/log');
  } catch (_) {
    return;
  }
  if (!result.ok) return;
  const entries = result.data;
  // A later selection or refresh wins.
  if (ticket !== state.loading) return;
  $('session-log').hidden = false;
  $('session-log').dataset.sessionId = session.id;
  $('session-log-customer').textContent = '– ' + session.customer_name;
  $('session-log-entries').replaceChildren(...entries.map((entry) => {
    const at = new Date(entry.at);
    const time = el('time', { dateTime: at.toISOString() },
      at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
    const text = logLine(entry);
    const li = el('li', { testid: 'session-log-entry' }, time, ' ', text);
    li.dataset.event = entry.event;
    return li;
  }));
}

on('session-selected', (session) => {
  state.session = session;
  refresh();
});
on('sessions', (sessions) => {
  if (!state.session) return;
  const current = sessions.find((s) => s.id === state.session.id);
  if (current) { state.session = current; refresh(); }
});
// Reconnecting and STUN/TURN problems are logged without a change of the session list; the
// server may tell before its write is done, so the log is read a moment later.
const LOG_SETTLE_MS = 500;
on('session-log-changed', (sessionId) => {
  setTimeout(() => { if (state.session && state.session.id === sessionId) refresh(); }, LOG_SETTLE_MS);
});
on('signed-out', () => {
  state.session = null;
  $('session-log').hidden = true;
  $('session-log-entries').replaceChildren();
});
