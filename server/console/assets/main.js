// Lens technician console: ES modules, no build step. Each module keeps its own state and
// exports what others may use; they follow one another through bus.js. The imports below
// load every module (each wires its own part of the page) before the sign-in check.
//
// For tests: stable data-testid attributes on every control, and window.lens with the
// current RTCPeerConnection (window.lens.pc), the call's media path and state, what went
// over the wire for the call (offers, answers, candidates; never the TURN credentials) and
// the number of notification sounds played (window.lens.soundsPlayed).
import { startAuth } from './auth.js';
import { currentSocket } from './socket.js';
import { currentPc, callSession, wireLog } from './call.js';
import { callStateName } from './live-panel.js';
import { mediaPath, mediaPair } from './media-path.js';
import { iceErrorsReported } from './ice-errors.js';
import { sessionList } from './sessions.js';
import { soundsPlayed } from './sound.js';
import './new-session.js';
import './session-log.js';
import './admin.js';

window.lens = {
  /** The current RTCPeerConnection, or null: `await window.lens.pc.getStats()`. */
  get pc() { return currentPc(); },
  /** The session the video belongs to, or null. */
  get activeSessionId() { return callSession(); },
  /** The last session list the server sent. */
  get sessions() { return sessionList().slice(); },
  /** How many "customer is waiting" sounds have played. */
  get soundsPlayed() { return soundsPlayed(); },
  /** The console's WebSocket, or null while disconnected. */
  get socket() { return currentSocket(); },
  /** The pc's getStats() report, or null without a call. */
  async stats() { const pc = currentPc(); return pc ? pc.getStats() : null; },
  /** The call's media path as the live panel shows it (checked once a second): unknown,
   * direct, through_nat or relayed. */
  get mediaPath() { return mediaPath(); },
  /** The selected candidate pair: { path, local, remote } (getStats' candidate entries). */
  get selectedPair() { return mediaPair(); },
  /** The live panel's call state (data-state): none, reconnecting or the pc's connectionState. */
  get callState() { return callStateName(); },
  /** Candidate lines this page sent to the server (trickle ICE), for the page's life. */
  get sentCandidates() { return wireLog().sentCandidates; },
  /** Candidate lines the customer's app trickled to this page. */
  get receivedCandidates() { return wireLog().receivedCandidates; },
  /** The offer SDPs the server relayed (first offers and ICE restarts). */
  get remoteOffers() { return wireLog().remoteOffers; },
  /** The answer SDPs this page sent. */
  get sentAnswers() { return wireLog().sentAnswers; },
  /** STUN/TURN failures this page reported: { session_id, url, code, text }. */
  get iceErrors() { return iceErrorsReported(); },
};

startAuth();
