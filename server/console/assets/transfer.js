// Transfer (seed 004): the live panel's Transfer button (and a Waiting row's) lists the organisation's other
// technicians, signed-in first, each with why the session cannot go to them now; choosing
// one hands the session over. The server decides (its sentence is shown on a refusal); the
// session then leaves this console's list and the call ends here. A colleague who is handed
// a session reads who sent it.
import { $, el, button } from './dom.js';
import { api, refusal } from './api.js';
import { handle } from './socket.js';
import { showMessage } from './message.js';
import { chime } from './sound.js';

const path = (sessionId) => `/api/sessions/${encodeURIComponent(sessionId)}/transfer`;

function close() {
  $('transfer').hidden = true;
  $('transfer-targets').replaceChildren();
}

function targetRow(sessionId, target) {
  const state = target.unavailable || (target.online ? 'Signed in' : 'Not signed in');
  const choose = button('Transfer', { className: 'small', testid: 'transfer-choose', disabled: !!target.unavailable },
    () => transferTo(sessionId, target));
  const row = el('li', { testid: 'transfer-target' },
    el('span', { testid: 'transfer-name' }, target.name),
    el('span', { className: 'why', testid: 'transfer-state' }, state),
    choose);
  row.dataset.technicianId = String(target.id);
  return row;
}

/** Opens the dialog for one of the technician's sessions (live panel or a Waiting row). */
export async function openTransfer(sessionId) {
  const result = await api(path(sessionId));
  if (!result.ok) {
    showMessage(refusal(result, 'Could not list your colleagues; try again.'));
    return;
  }
  const targets = result.data || [];
  $('transfer-targets').replaceChildren(...targets.map((t) => targetRow(sessionId, t)));
  $('transfer-none').hidden = targets.length > 0;
  $('transfer').hidden = false;
}

async function transferTo(sessionId, target) {
  const result = await api(path(sessionId), { technician_id: target.id });
  if (!result.ok) {
    // Their state changed since the list was read: show why and the fresh list.
    showMessage(refusal(result, 'The session could not be transferred.'));
    openTransfer(sessionId);
    return;
  }
  close();
  showMessage(`The session is now with ${result.data.technician_name}.`, 'info');
}

$('session-transfer').addEventListener('click', () => {
  const id = $('session-transfer').dataset.sessionId;
  if (id) openTransfer(id);
});
$('transfer-close').addEventListener('click', close);

handle('session_transferred', ({ customer_name: customer, from_technician: from }) => {
  chime();
  showMessage(`${from} transferred ${customer}'s session to you. Click Resume in your list to continue it.`, 'info');
});
