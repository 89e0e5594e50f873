// "Reconnecting…": the media path of a live call broke and is being mended (the customer's
// app restarts ICE and says `reconnecting`, or this page's ICE went disconnected or failed).
// It lasts until the app says `reconnected`, or this page's ICE is connected again and new
// frames decode, or the call ends.
import { announce, on } from './bus.js';
import { handle } from './socket.js';
import { callSession, currentPc } from './call.js';

const state = {
  // The session whose media is being mended, or null.
  sessionId: null,
  // Decoded video frames of `pc` when mending began (null: not read yet); more than that
  // on a connected pc means the picture is back.
  pc: null,
  framesAtStart: null,
};

/** True when the session's call shows "Reconnecting…". */
export const isReconnecting = (sessionId) => !!sessionId && state.sessionId === sessionId;

function begin(sessionId) {
  if (state.sessionId === sessionId) return;
  state.sessionId = sessionId;
  state.pc = currentPc();
  state.framesAtStart = null;
  announce('call-changed');
}

function end() {
  if (state.sessionId === null) return;
  state.sessionId = null;
  state.pc = null;
  state.framesAtStart = null;
  announce('call-changed');
}

/** From the per-second stats of the call's pc (media-path.js). */
export function framesDecoded(pc, frames) {
  if (!state.sessionId || pc !== currentPc() || callSession() !== state.sessionId) return;
  if (pc !== state.pc) {
    // A new peer connection replaced the broken one: any frame on it is a new one.
    state.pc = pc;
    state.framesAtStart = 0;
  }
  if (state.framesAtStart === null) {
    state.framesAtStart = frames;
    return;
  }
  const connected = pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
  if (connected && frames > state.framesAtStart) end();
}

handle('reconnecting', (message) => {
  announce('session-log-changed', message.session_id);
  if (message.session_id && message.session_id === callSession()) begin(message.session_id);
});
handle('reconnected', (message) => {
  announce('session-log-changed', message.session_id);
  if (message.session_id === state.sessionId) end();
});
on('ice-state', ({ pc, sessionId, state: iceState }) => {
  if (pc !== currentPc()) return;
  if (iceState === 'disconnected' || iceState === 'failed') begin(sessionId);
});
// Ended, replaced by another session's call, or signed out: nothing is being mended.
on('call-changed', () => {
  if (state.sessionId && callSession() !== state.sessionId) end();
});
