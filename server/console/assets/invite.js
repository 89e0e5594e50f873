// Invite Technician (seed 004), from the live panel of an active session: the Internal tab
// lists the organisation's technicians (signed-in first), the External tab the options the
// technician group allows (an approved technician from the admin's list, or anyone by name
// and address), then the permissions, a note and the connection method. The server decides
// (GET/POST api/sessions/{id}/invitations); the result shows what the method needs: the PIN,
// the link, or the e-mail (sent by the server, or opened in the technician's mail client).
import { $, el, button } from './dom.js';
import { api, refusal } from './api.js';

const METHOD_WORDS = { pin: 'PIN', email: 'E-mail', link: 'Link' };
const path = (sessionId) => `api/sessions/${encodeURIComponent(sessionId)}/invitations`;
const dialog = { sessionId: null, options: null, tab: 'internal' };

function close() {
  $('invite').hidden = true;
  $('invite-result').replaceChildren();
  dialog.sessionId = null;
}

function selectTab(tab) {
  dialog.tab = tab;
  for (const name of ['internal', 'external']) {
    $('invite-tab-' + name).setAttribute('aria-selected', String(name === tab));
    $('invite-panel-' + name).hidden = name !== tab;
  }
}

function colleagueRow(colleague, first) {
  const radio = el('input', { type: 'radio', name: 'invite-colleague', value: String(colleague.id), checked: first });
  radio.setAttribute('data-testid', 'invite-colleague');
  const row = el('li', { testid: 'invite-colleague-row' },
    el('label', { className: 'choice' }, radio, ' ', el('span', { testid: 'invite-colleague-name' }, colleague.name)),
    el('span', { className: 'why' }, colleague.online ? 'Signed in' : 'Not signed in'));
  row.dataset.technicianId = String(colleague.id);
  return row;
}

function showPlaces(left) {
  $('invite-places').textContent = left > 0
    ? `${left} more technician${left === 1 ? '' : 's'} can be invited (5 per session, you included).`
    : 'This session is full: 5 technicians at most, unused invitations included.';
  $('invite-places').dataset.left = String(left);
}

/** Opens the dialog for the session of the live panel. */
export async function openInvite(sessionId) {
  const result = await api(path(sessionId));
  if (!result.ok) {
    $('invite').hidden = false;
    showResult(el('p', { className: 'error', testid: 'invite-error' }, refusal(result, 'Could not open the invitation dialog; try again.')));
    return;
  }
  const options = result.data;
  dialog.sessionId = sessionId;
  dialog.options = options;
  $('invite-colleagues').replaceChildren(...options.internal.map((c, i) => colleagueRow(c, i === 0)));
  $('invite-no-colleagues').hidden = options.internal.length > 0;
  const approved = options.approved || null;
  $('invite-tab-external').hidden = !approved && !options.unlisted;
  $('invite-approved-choice').hidden = !approved;
  $('invite-approved-list').hidden = !approved;
  $('invite-approved-list').replaceChildren(...(approved || []).map((a) =>
    el('option', { value: a.id }, `${a.name} <${a.email}>`)));
  $('invite-unlisted-choice').hidden = !options.unlisted;
  $('invite-approved').checked = !!approved;
  $('invite-unlisted').checked = !approved && options.unlisted;
  $('invite-method').replaceChildren(...options.methods.map((m) => el('option', { value: m }, METHOD_WORDS[m] || m)));
  $('invite-send-choice').hidden = true;
  $('invite-send').checked = false;
  showPlaces(options.places_left);
  selectTab('internal');
  $('invite-result').replaceChildren();
  $('invite').hidden = false;
}

function request() {
  const permissions = {};
  for (const box of document.querySelectorAll('[data-testid="invite-permission"]')) {
    permissions[box.dataset.permission] = box.checked;
  }
  const body = { permissions, note: $('invite-note').value, method: $('invite-method').value, send_email: $('invite-send').checked };
  if (dialog.tab === 'internal') {
    const chosen = document.querySelector('input[name="invite-colleague"]:checked');
    body.kind = 'internal';
    body.technician_id = chosen ? Number(chosen.value) : null;
  } else if ($('invite-approved').checked) {
    body.kind = 'approved';
    body.approved_id = $('invite-approved-list').value;
  } else {
    body.kind = 'unlisted';
    body.name = $('invite-name').value;
    body.email = $('invite-email').value;
  }
  return body;
}

function showResult(...children) {
  $('invite-result').replaceChildren(...children);
}

function issuedView(issued) {
  const parts = [el('p', { testid: 'invite-result-who' }, `${issued.name} is invited.`)];
  if (issued.pin) {
    parts.push(el('p', {}, 'Invitation PIN: ', el('strong', { className: 'pin', testid: 'invite-result-pin' }, issued.pin)));
  }
  if (issued.link && issued.method === 'link') {
    const link = el('input', { readOnly: true, value: issued.link, testid: 'invite-result-link' });
    parts.push(el('p', {}, link, ' ', button('Copy link', { className: 'small', testid: 'invite-copy-link' }, () => {
      navigator.clipboard.writeText(issued.link).catch(() => { link.select(); });
    })));
  }
  if (issued.emailed_to) {
    parts.push(el('p', { testid: 'invite-result-emailed' }, `The invitation was e-mailed to ${issued.emailed_to}.`));
  } else if (issued.email) {
    const to = issued.email_to || '';
    const href = `mailto:${encodeURIComponent(to)}?subject=${encodeURIComponent(issued.email.subject)}&body=${encodeURIComponent(issued.email.text)}`;
    parts.push(el('p', {}, el('a', { href, testid: 'invite-result-mailto' }, 'Open the e-mail in your mail client')));
  }
  if (issued.notified > 0) {
    parts.push(el('p', { className: 'hint', testid: 'invite-result-notified' }, 'Their console shows the invitation.'));
  }
  const expires = new Date(issued.expires_at);
  parts.push(el('p', { className: 'hint' }, 'Valid until ' + expires.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) + ', for one technician.'));
  return parts;
}

$('invite-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const sessionId = dialog.sessionId;
  if (!sessionId) return;
  const result = await api(path(sessionId), request());
  if (!result.ok) {
    showResult(el('p', { className: 'error', testid: 'invite-error' }, refusal(result, 'The technician could not be invited.')));
    return;
  }
  showResult(...issuedView(result.data));
  if (dialog.options) {
    dialog.options.places_left = Math.max(0, dialog.options.places_left - 1);
    showPlaces(dialog.options.places_left);
  }
});
for (const tab of ['internal', 'external']) $('invite-tab-' + tab).addEventListener('click', () => selectTab(tab));
$('invite-method').addEventListener('change', () => {
  const email = $('invite-method').value === 'email';
  $('invite-send-choice').hidden = !(email && dialog.options && dialog.options.email_relay);
  if ($('invite-send-choice').hidden) $('invite-send').checked = false;
});
$('session-invite').addEventListener('click', () => {
  const id = $('session-invite').dataset.sessionId;
  if (id) openInvite(id);
});
$('invite-close').addEventListener('click', close);
