// The New Session dialog (seeds 000, 001, 002, 003), all its tabs: PIN (Create PIN),
// E-mail (the technician's own mail client, or the server on their behalf) and Link (copy
// to the clipboard). Tabs the technician's group may not use are hidden, and the dialog
// itself when the group may start no session; the server refuses them too (403 naming the
// permission), so hiding is courtesy. Create another PIN replaces the PIN: the old one
// stops working at once (POST api/sessions/{id}/pin).
import { $, el } from './dom.js';
import { api, refusal } from './api.js';
import { on } from './bus.js';
import { showMessage, clearMessage } from './message.js';
import { unlockAudio } from './sound.js';
import { showLogin, SIGN_IN_ENDED, UNREACHABLE } from './auth.js';
import { showResult, clearResult } from './new-session-result.js';

const TAB_PERMISSION = { pin: 'use_pin', email: 'use_email', link: 'use_link' };
const dialog = { me: null, tab: 'pin' };

function allows(permission) {
  const group = dialog.me && dialog.me.group;
  return Boolean(group && group.permissions.includes(permission));
}

function allowedTabs() {
  return Object.keys(TAB_PERMISSION).filter((tab) => allows(TAB_PERMISSION[tab]));
}

async function loadAccess() {
  const me = await api('api/me');
  if (!me.ok) return;
  dialog.me = me.data;
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
  $('new-session-email-behalf-choice').hidden = !dialog.me.email_relay;
  selectTab(allowedTabs().includes(dialog.tab) ? dialog.tab : allowedTabs()[0] || 'pin');
}

function selectTab(tab) {
  dialog.tab = tab;
  for (const name of Object.keys(TAB_PERMISSION)) {
    const selected = name === tab;
    $('new-session-tab-' + name).setAttribute('aria-selected', String(selected));
    $('new-session-panel-' + name).hidden = !selected;
  }
}

function openDialog() {
  unlockAudio();
  reset();
  // Each opening starts on the first tab the group allows, with an empty To.
  if (dialog.me) applyAccess();
  $('new-session-email-to').value = '';
  $('new-session').hidden = false;
  $('new-session-name').focus();
}

function closeDialog() {
  reset();
  $('new-session').hidden = true;
}

function reset() {
  clearResult();
  $('new-session-name').value = '';
}

const emailWay = () => ($('new-session-email-behalf').checked ? 'behalf' : 'own');

function onEmailWayChange() {
  $('new-session-email-to-label').hidden = emailWay() !== 'behalf';
}

function customerName() {
  const name = $('new-session-name').value.trim();
  if (!name) {
    showMessage('Enter the customer\'s name.');
    $('new-session-name').focus();
  }
  return name;
}

/** POSTs to the server; its answer, or null once the technician has been told why not. */
async function post(path, body, failure) {
  try {
    const result = await api(path, body);
    if (result.status === 401) { showLogin(SIGN_IN_ENDED); return null; }
    if (!result.ok) { showMessage(refusal(result, failure)); return null; }
    clearMessage();
    return result.data;
  } catch (error) {
    showMessage(UNREACHABLE + error.message);
    return null;
  }
}

/** Creates the session with the tab's button disabled meanwhile. */
async function create(buttonId, body) {
  const button = $(buttonId);
  button.disabled = true;
  try {
    return await post('api/sessions', body, 'Could not create a session.');
  } finally {
    button.disabled = false;
  }
}

function mailtoLink(invitation) {
  const link = el('a', { testid: 'new-session-mailto' }, 'Open the e-mail in my mail client');
  link.href = 'mailto:?subject=' + encodeURIComponent(invitation.subject)
    + '&body=' + encodeURIComponent(invitation.text);
  return link;
}

// The e-mail tab's part of the result: sent by the server, or a mailto link for the
// technician's own mail client.
function invitationLines(created) {
  if (created.emailed_to) {
    return [el('p', { testid: 'new-session-email-status' }, 'E-mail sent to ' + created.emailed_to + '.')];
  }
  if (created.email) {
    return [el('p', { testid: 'new-session-email-status' }, 'Your mail client opens with the message; send it to the customer.'),
      mailtoLink(created.email)];
  }
  return [];
}

async function onCreatePin() {
  const name = customerName();
  if (!name) return;
  const created = await create('new-session-create', { customer_name: name });
  if (created) showResult(created, [], anotherPin);
}

async function onEmail() {
  const name = customerName();
  if (!name) return;
  const body = { customer_name: name, method: 'email' };
  if (emailWay() === 'behalf') {
    const to = $('new-session-email-to').value.trim();
    if (!to) { showMessage('Enter the customer\'s e-mail address in To.'); $('new-session-email-to').focus(); return; }
    body.email_to = to;
  }
  const created = await create('new-session-email-send', body);
  if (!created) return;
  showResult(created, invitationLines(created), anotherPin);
  // Seed 001: "E-mail link" opens the technician's own mail client with the message.
  const mailto = $('new-session-result').querySelector('[data-testid="new-session-mailto"]');
  if (mailto) mailto.click();
}

async function onCopyLink() {
  const name = customerName();
  if (!name) return;
  const created = await create('new-session-copy-link', { customer_name: name, method: 'link' });
  if (!created) return;
  let copied = true;
  try { await navigator.clipboard.writeText(created.links.mobile); } catch (_) { copied = false; }
  showResult(created, [el('p', { testid: 'new-session-link-status' }, copied
    ? 'Link copied to the clipboard. Paste it into your messaging tool.'
    : 'Copying is not allowed here; select the link and press Ctrl+C.')], anotherPin);
}

// Seed 002's "Create another PIN": a new PIN and new links for the same customer and
// method; the server ends the old session, so its PIN stops working at once.
async function anotherPin(old) {
  const created = await post('api/sessions/' + encodeURIComponent(old.session_id) + '/pin', {},
    'Could not create another PIN.');
  if (!created) return;
  showResult(created, [
    el('p', { testid: 'new-session-replaced', className: 'hint' }, 'The previous PIN ' + old.pin + ' no longer works.'),
    ...invitationLines(created),
  ], anotherPin);
}

const TAB_ACTION = { pin: onCreatePin, email: onEmail, link: onCopyLink };

for (const tab of Object.keys(TAB_PERMISSION)) {
  $('new-session-tab-' + tab).addEventListener('click', () => selectTab(tab));
}
$('new-session-email-own').addEventListener('change', onEmailWayChange);
$('new-session-email-behalf').addEventListener('change', onEmailWayChange);
$('new-session-email-send').addEventListener('click', onEmail);
$('new-session-copy-link').addEventListener('click', onCopyLink);
$('new-session-open').addEventListener('click', openDialog);
$('new-session-close').addEventListener('click', closeDialog);
// Enter in the name field submits the form: it means the selected tab's button.
$('new-session-form').addEventListener('submit', (event) => {
  event.preventDefault();
  unlockAudio();
  TAB_ACTION[dialog.tab]();
});

on('signed-in', () => { loadAccess().catch(() => {}); });
on('signed-out', () => {
  dialog.me = null;
  closeDialog();
});
