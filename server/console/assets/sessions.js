// The technician's session list. The server pushes the whole list on connect and after
// every change ("sessions"); the rows' buttons depend on it and on which session this
// console has video for (call.js).
import { $, el, button } from './dom.js';
import { announce, on } from './bus.js';
import { handle } from './socket.js';
import { chime } from './sound.js';
import { callSession, isStarting, startSession, endSession } from './call.js';
import { openTransfer } from './transfer.js';

const STATUS_TEXT = {
  pending: 'Pending',
  waiting: 'Waiting',
  active: 'Active',
  collaborating: 'Collaborating',
  closed: 'Closed',
  expired: 'Expired',
  on_hold: 'On hold',
  timed_out: 'Timed out',
};

const list = {
  sessions: [],
  // The first list after signing in only records what is already waiting: no chime.
  first: true,
  // Ids that have been Waiting at some point, so each session chimes once.
  seenWaiting: new Set(),
};

/** The last session list the server sent. */
export const sessionList = () => list.sessions;

function onSessions({ sessions }) {
  list.sessions = sessions || [];
  let newlyWaiting = false;
  for (const session of list.sessions) {
    if (session.status === 'waiting' && !list.seenWaiting.has(session.id)) {
      list.seenWaiting.add(session.id);
      if (!list.first) newlyWaiting = true;
    }
  }
  list.first = false;
  if (newlyWaiting) chime();
  renderRows();
  announce('sessions', list.sessions);
}

function renderRows() {
  $('session-rows').replaceChildren(...list.sessions.map(sessionRow));
  $('no-sessions').hidden = list.sessions.length > 0;
}

function statusCell(session) {
  // Seed 004: an active session with a collaborating technician in it reads Collaborating.
  const status = session.status === 'active' && session.collaborators > 0 ? 'collaborating' : session.status;
  const pill = el('span', { className: 'pill status-' + status, testid: 'session-status' }, STATUS_TEXT[status] || status);
  pill.dataset.status = status;
  const cell = el('td', {}, pill);
  if (session.end_reason) {
    const reason = el('span', { className: 'reason', testid: 'session-end-reason' },
      session.end_reason_text || session.end_reason);
    reason.dataset.reason = session.end_reason;
    cell.append(reason);
  }
  return cell;
}

function actionsCell(session) {
  const cell = el('td', { className: 'actions' });
  const start = () => startSession(session.id);
  if (session.status === 'waiting') {
    cell.append(button('Start', { className: 'small', testid: 'session-start' }, start));
    // A waiting customer can go to a colleague before anyone started (seed 004).
    cell.append(button('Transfer', { className: 'small secondary', testid: 'session-row-transfer' },
      () => openTransfer(session.id)));
  }
  if (session.status === 'active' && callSession() !== session.id && !isStarting(session.id)) {
    // This console has no video for it (reloaded, or another tab): ask for a new offer.
    cell.append(button('Resume', { className: 'small', testid: 'session-resume' }, start));
  }
  if (session.status === 'on_hold') {
    // Start takes it off hold; the customer sends a new offer.
    cell.append(button('Resume', { className: 'small', testid: 'session-unhold' }, start));
  }
  // An active session is ended from the live panel (one End button on the page).
  if (session.status === 'pending' || session.status === 'waiting' || session.status === 'on_hold') {
    const label = session.status === 'pending' ? 'Cancel PIN' : 'End';
    cell.append(button(label, { className: 'small danger', testid: 'session-cancel' }, () => endSession(session.id)));
  }
  return cell;
}

function sessionRow(session) {
  const row = el('tr', { testid: 'session-row', id: 'session-' + session.id },
    el('td', { testid: 'session-customer' }, session.customer_name),
    statusCell(session),
    el('td', { className: 'pin-cell', testid: 'session-pin' }, session.pin || ''),
    el('td', {}, new Date(session.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
    actionsCell(session));
  row.dataset.sessionId = session.id;
  row.dataset.status = session.status;
  // Selecting a row shows its log (session-log.js).
  row.addEventListener('click', (event) => {
    if (event.target.closest('button')) return;
    announce('session-selected', session);
  });
  return row;
}

handle('sessions', onSessions);
on('call-changed', renderRows);
on('signed-in', () => { list.first = true; });
