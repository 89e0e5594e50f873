// The New Session dialog's tabs (seeds 000, 001, 003): PIN, E-mail, Link. console.js
// creates the session for the PIN tab (the form's submit); this file adds the E-mail and
// Link tabs and hides every tab, and the dialog itself, that the technician's group may
// not use. The server refuses them too (403 naming the permission); hiding is courtesy.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const TAB_PERMISSION = { pin: 'use_pin', email: 'use_email', link: 'use_link' };
  const state = { me: null, tab: 'pin' };

  function allows(permission) {
    const group = state.me && state.me.group;
    return Boolean(group && group.permissions.includes(permission));
  }

  function allowedTabs() {
    return Object.keys(TAB_PERMISSION).filter((tab) => allows(TAB_PERMISSION[tab]));
  }

  async function loadAccess() {
    const response = await fetch('api/me', { credentials: 'same-origin' });
    if (!response.ok) return;
    state.me = await response.json();
    applyAccess();
  }

  function applyAccess() {
    const canStart = allows('start_lens_sessions') && allows('start_private_sessions') && allowedTabs().length > 0;
    $('new-session-open').hidden = !canStart;
    $('new-session-not-allowed').hidden = canStart;
    if (!canStart) $('new-session').hidden = true;
    for (const tab of Object.keys(TAB_PERMISSION)) {
      // Removed from view and from the tab order alike.
      $('new-session-tab-' + tab).hidden = !allows(TAB_PERMISSION[tab]);
    }
    $('new-session-email-behalf-choice').hidden = !state.me.email_relay;
    selectTab(allowedTabs().includes(state.tab) ? state.tab : allowedTabs()[0] || 'pin');
  }

  function selectTab(tab) {
    state.tab = tab;
    for (const name of Object.keys(TAB_PERMISSION)) {
      const on = name === tab;
      $('new-session-tab-' + name).setAttribute('aria-selected', String(on));
      $('new-session-panel-' + name).hidden = !on;
    }
  }

  function emailWay() {
    return $('new-session-email-behalf').checked ? 'behalf' : 'own';
  }

  function onEmailWayChange() {
    $('new-session-email-to-label').hidden = emailWay() !== 'behalf';
  }

  function say(text, kind) {
    // The console's message area (console.js owns it; this only writes to it).
    const box = $('message');
    box.textContent = text;
    box.className = kind === 'info' ? 'message info' : 'message';
    box.dataset.kind = kind || 'error';
    box.hidden = false;
  }

  function customerName() {
    const name = $('new-session-name').value.trim();
    if (!name) {
      say('Enter the customer\'s name.');
      $('new-session-name').focus();
    }
    return name;
  }

  async function create(body) {
    const response = await fetch('api/sessions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      say((data && data.message) || 'Could not create a session.');
      return null;
    }
    $('message').hidden = true;
    return data;
  }

  function element(tag, testid, text, className) {
    const e = document.createElement(tag);
    if (testid) { e.id = testid; e.setAttribute('data-testid', testid); }
    if (text !== undefined) e.textContent = text;
    if (className) e.className = className;
    return e;
  }

  function mailtoUrl(invitation) {
    return 'mailto:?subject=' + encodeURIComponent(invitation.subject)
      + '&body=' + encodeURIComponent(invitation.text);
  }

  // The PIN and what happened to it, in the dialog (the session is already in the list).
  function showResult(created, lines) {
    $('new-session-form').hidden = true;
    const result = $('new-session-result');
    result.dataset.sessionId = created.session_id;
    const pin = element('p', 'new-session-pin', created.pin.slice(0, 3) + ' ' + created.pin.slice(3), 'pin');
    pin.setAttribute('aria-label', 'PIN ' + created.pin.split('').join(' '));
    result.replaceChildren(
      element('p', null, 'Session for ' + created.customer_name + ' created. PIN:'),
      pin,
      ...lines,
      element('p', null, 'The session appears in the list as Waiting once the customer has joined and accepted the licence agreement.', 'hint'),
    );
  }

  async function onEmail() {
    const name = customerName();
    if (!name) return;
    const body = { customer_name: name, method: 'email' };
    if (emailWay() === 'behalf') {
      const to = $('new-session-email-to').value.trim();
      if (!to) { say('Enter the customer\'s e-mail address in To.'); $('new-session-email-to').focus(); return; }
      body.email_to = to;
    }
    const button = $('new-session-email-send');
    button.disabled = true;
    try {
      const created = await create(body);
      if (!created) return;
      if (created.emailed_to) {
        showResult(created, [
          element('p', 'new-session-email-status', 'E-mail sent to ' + created.emailed_to + '.'),
          element('code', 'new-session-link', created.links.mobile, 'link'),
        ]);
        return;
      }
      const mailto = element('a', 'new-session-mailto', 'Open the e-mail in my mail client');
      mailto.href = mailtoUrl(created.email);
      showResult(created, [
        element('p', 'new-session-email-status', 'Your mail client opens with the message; send it to the customer.'),
        mailto,
        element('code', 'new-session-link', created.links.mobile, 'link'),
      ]);
      // Seed 001: "E-mail link" opens the technician's own mail client with the message.
      mailto.click();
    } finally {
      button.disabled = false;
    }
  }

  async function onCopyLink() {
    const name = customerName();
    if (!name) return;
    const button = $('new-session-copy-link');
    button.disabled = true;
    try {
      const created = await create({ customer_name: name, method: 'link' });
      if (!created) return;
      let copied = true;
      try { await navigator.clipboard.writeText(created.links.mobile); } catch (_) { copied = false; }
      showResult(created, [
        element('code', 'new-session-link', created.links.mobile, 'link'),
        element('p', 'new-session-link-status', copied
          ? 'Link copied to the clipboard. Paste it into your messaging tool.'
          : 'Copying is not allowed here; select the link and press Ctrl+C.'),
      ]);
    } finally {
      button.disabled = false;
    }
  }

  function init() {
    for (const tab of Object.keys(TAB_PERMISSION)) {
      $('new-session-tab-' + tab).addEventListener('click', () => selectTab(tab));
    }
    $('new-session-email-own').addEventListener('change', onEmailWayChange);
    $('new-session-email-behalf').addEventListener('change', onEmailWayChange);
    $('new-session-email-send').addEventListener('click', onEmail);
    $('new-session-copy-link').addEventListener('click', onCopyLink);
    // Each opening starts on the first tab the group allows, with an empty To.
    $('new-session-open').addEventListener('click', () => {
      if (state.me) applyAccess();
      $('new-session-email-to').value = '';
    });
    // Enter in the name field submits the form, which console.js takes as Create PIN: on
    // the other tabs it means that tab's button instead.
    document.addEventListener('submit', (event) => {
      if (event.target.id !== 'new-session-form' || state.tab === 'pin') return;
      event.preventDefault();
      event.stopPropagation();
      if (state.tab === 'email') onEmail(); else onCopyLink();
    }, true);
    document.addEventListener('lens:signed-in', () => { loadAccess().catch(() => {}); });
    document.addEventListener('lens:signed-out', () => { state.me = null; });
  }

  init();
})();
