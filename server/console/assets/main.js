// Lens technician console: ES modules, no build step. Each module keeps its own state and
// exports what others may use; they follow one another through bus.js. The imports below
// load every module (each wires its own part of the page) before the sign-in check.
//
// For tests: stable data-testid attributes on every control, and window.lens with the
// current RTCPeerConnection (window.lens.pc) and the number of notification sounds played
// (window.lens.soundsPlayed).
import { startAuth } from './auth.js';
import { currentSocket } from './socket.js';
import { currentPc, callSession } from './call.js';
import { sessionList } from './sessions.js';
import { soundsPlayed } from './sound.js';
import './live-panel.js';
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
};

startAuth();
