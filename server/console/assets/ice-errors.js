// A STUN or TURN server that fails: on this console's peer connection (icecandidateerror)
// the technician reads it and the server logs it (ice_server_error); about the customer's
// app the server says it in words. URLs are shown without credentials.
import { announce } from './bus.js';
import { handle, send } from './socket.js';
import { showMessage } from './message.js';
import { safeIceUrl, iceErrorSentence } from './ice.js';

const RELAY_WAIT_MS = 10000;

// What tests read through window.lens: the errors this page reported, newest last.
const reportedErrors = [];
// "<session id> <server>" of each server that refused the customer's app (any code but 701,
// "no answer"): the same credentials fail for this page, so its silence is that refusal,
// not a server it cannot reach.
const refusedTheCustomer = new Set();
export const iceErrorsReported = () => reportedErrors.slice();

/**
 * Handles the console pc's icecandidateerror for `peer` (call.js: sessionId, relayOnly and
 * errorsSeen, which keeps each URL and code to one message and one report per call).
 */
export function onIceCandidateError(peer, event) {
  const url = safeIceUrl(event.url);
  const code = Number(event.errorCode) || 0;
  // Chromium ends its texts with a full stop ("Unauthorized."); the sentence has its own.
  const text = String(event.errorText || '').trim().replace(/\.+$/, '');
  const key = url + ' ' + code;
  if (peer.errorsSeen.has(key)) return;
  peer.errorsSeen.add(key);
  const sessionId = peer.sessionId;
  reportedErrors.push({ session_id: sessionId, url, code, text });
  // 701 (no answer) may concern one of several ways out; unless the call must be relayed,
  // it can still work.
  showMessage(iceErrorSentence(url, code, text) + '.', code === 701 && !peer.relayOnly ? 'info' : 'error');
  // The server writes it to the session log.
  if (send({ type: 'ice_server_error', session_id: sessionId, url, code, text })) announce('session-log-changed', sessionId);
}

/**
 * Chromium tells of a TURN server that does not answer only after about 40 s (UDP), or never
 * (TCP): if the peer's TURN servers gave no relay candidate within RELAY_WAIT_MS of the
 * answer, they are reported as unreachable (701). `gotRelay()` is true once one came (or the
 * call is gone). Returns the cancel function.
 */
export function expectRelay(peer, turnUrls, gotRelay) {
  const urls = [...new Set(turnUrls.map(safeIceUrl))].filter(Boolean);
  if (urls.length === 0) return () => {};
  const timer = setTimeout(() => {
    if (gotRelay()) return;
    const errorText = `no answer within ${RELAY_WAIT_MS / 1000} s`;
    // A server that already said why (401 …), here or to the customer's app, is not also
    // called unreachable.
    const told = (url) => [...peer.errorsSeen].some((key) => key.startsWith(url + ' '))
      || refusedTheCustomer.has(peer.sessionId + ' ' + url);
    for (const url of urls) if (!told(url)) onIceCandidateError(peer, { url, errorCode: 701, errorText });
  }, RELAY_WAIT_MS);
  return () => clearTimeout(timer);
}

handle('ice_server_error', (message) => {
  if (message.server && message.code && message.code !== 701) {
    refusedTheCustomer.add(message.session_id + ' ' + message.server);
  }
  if (message.message) showMessage(message.message);
  announce('session-log-changed', message.session_id);
});
