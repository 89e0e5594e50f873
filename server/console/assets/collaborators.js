// The lead's view of collaborating technicians (seed 004): the live panel lists who is in
// the shown session (name, internal or external, permissions the lead may change, Remove),
// from the server's `collaborators` message after every change. A technician invited to a
// colleague's session reads the invitation here and joins it on the collaborator page.
import { $, el, button } from './dom.js';
import { api, refusal } from './api.js';
import { on } from './bus.js';
import { handle } from './socket.js';
import { showMessage } from './message.js';
import { chime } from './sound.js';
import { sessionList } from './sessions.js';
import { callSession } from './call.js';

const PERMISSIONS = [
  ['talk', 'Talk'],
  ['camera_controls', 'Camera controls'],
  ['invite', 'Invite'],
  ['session_log', 'Session log'],
];
// Session id → the collaborators the server last listed.
const bySession = new Map();

function shownSession() {
  const active = sessionList().find((s) => s.status === 'active');
  return callSession() || (active ? active.id : null);
}

const path = (sessionId, peer) =>
  `api/sessions/${encodeURIComponent(sessionId)}/collaborators/${encodeURIComponent(peer)}`;

function collaboratorRow(sessionId, collaborator) {
  const boxes = PERMISSIONS.map(([key, label]) => {
    const box = el('input', { type: 'checkbox', checked: !!collaborator.permissions[key] });
    box.setAttribute('data-testid', 'collaborator-permission');
    box.dataset.permission = key;
    return [key, box, label];
  });
  const save = async () => {
    const permissions = Object.fromEntries(boxes.map(([key, box]) => [key, box.checked]));
    const result = await api(path(sessionId, collaborator.id), { permissions }, 'PATCH');
    if (!result.ok) showMessage(refusal(result, 'The permissions could not be changed.'));
  };
  for (const [, box] of boxes) box.addEventListener('change', save);
  const remove = button('Remove', { className: 'small danger', testid: 'collaborator-remove' }, async () => {
    const result = await api(path(sessionId, collaborator.id), undefined, 'DELETE');
    if (!result.ok) showMessage(refusal(result, 'The technician could not be removed.'));
  });
  const row = el('li', { testid: 'collaborator' },
    el('span', { testid: 'collaborator-name' }, collaborator.name),
    el('span', { className: 'why', testid: 'collaborator-kind' }, collaborator.external ? 'external' : 'internal'),
    ...boxes.map(([, box, label]) => el('label', { className: 'choice' }, box, ' ', label)),
    remove);
  row.dataset.peer = collaborator.id;
  return row;
}

function render() {
  const sessionId = shownSession();
  const list = (sessionId && bySession.get(sessionId)) || [];
  $('collaborators').replaceChildren(...list.map((c) => collaboratorRow(sessionId, c)));
  $('collaborators-panel').hidden = list.length === 0;
}

handle('collaborators', ({ session_id: sessionId, collaborators }) => {
  bySession.set(sessionId, collaborators || []);
  render();
});

handle('invited_to_collaborate', (message) => {
  chime();
  const join = el('a', { href: message.invitation_url, target: '_blank', rel: 'noopener', testid: 'collab-invitation-join' }, 'Join');
  const dismiss = button('Dismiss', { className: 'small secondary', testid: 'collab-invitation-dismiss' }, () => {
    item.remove();
    $('collab-invitations').hidden = $('collab-invitations').children.length === 0;
  });
  const note = message.note ? ` Note: ${message.note}` : '';
  const item = el('li', { testid: 'collab-invitation' },
    `${message.from_technician} invites you to collaborate on ${message.customer_name}'s session.${note} `, join, ' ', dismiss);
  join.addEventListener('click', () => { setTimeout(() => dismiss.click(), 0); });
  $('collab-invitations').append(item);
  $('collab-invitations').hidden = false;
});

on('sessions', (sessions) => {
  // Sessions that are no longer live have no collaborators.
  for (const id of bySession.keys()) {
    const session = sessions.find((s) => s.id === id);
    if (!session || (session.status !== 'active' && session.status !== 'on_hold')) bySession.delete(id);
  }
  render();
});
on('call-changed', render);
on('signed-out', () => {
  bySession.clear();
  render();
  $('collab-invitations').replaceChildren();
  $('collab-invitations').hidden = true;
});
