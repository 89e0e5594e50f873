// The call: the one RTCPeerConnection for the session this console shows, and the
// technician's microphone. The customer's app makes the WebRTC offer after Start; this
// page answers. Whenever the call changes it announces call-changed (the session list and
// the live panel redraw).
import { $ } from './dom.js';
import { announce, on } from './bus.js';
import { handle, send } from './socket.js';
import { showMessage, clearMessage } from './message.js';
import { unlockAudio } from './sound.js';

const ICE_GATHERING_TIMEOUT_MS = 3000;
// How long Start hides the Resume button while the customer's offer is on its way.
const STARTING_MS = 10000;

const call = {
  pc: null,
  sessionId: null,
  remoteDescriptionSet: false,
  pendingCandidates: [],
  answerSent: false,
  // The session this console just clicked Start on, until its offer arrives.
  starting: null,
  startingTimer: null,
  mic: null,
  micPromise: null,
};

const changed = () => announce('call-changed');

/** The current RTCPeerConnection, or null. */
export const currentPc = () => call.pc;
/** The session the video belongs to, or null. */
export const callSession = () => call.sessionId;
export const isStarting = (sessionId) => call.starting === sessionId;
export const answerSent = () => call.answerSent;
export const hasMicrophone = () => !!call.mic;

export function startSession(sessionId) {
  unlockAudio();
  clearMessage();
  // Ask for the microphone now, in the click, so that it is ready (or refused) by the
  // time the customer's offer arrives.
  if (!call.micPromise) call.micPromise = getMicrophone();
  if (send({ type: 'start', session_id: sessionId })) {
    call.starting = sessionId;
    clearTimeout(call.startingTimer);
    call.startingTimer = setTimeout(() => { call.starting = null; changed(); }, STARTING_MS);
    changed();
  }
}

export function endSession(sessionId) {
  if (send({ type: 'end', session_id: sessionId }) && call.sessionId === sessionId) endCall();
}

async function getMicrophone() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showMessage('This browser cannot use a microphone here (an https address is needed); the customer will not hear you.', 'info');
    return null;
  }
  try {
    call.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    return call.mic;
  } catch (error) {
    showMessage('Microphone not available (' + error.name + '); the customer will not hear you.', 'info');
    return null;
  }
}

async function answerOffer({ session_id: sessionId, sdp }) {
  // A new offer replaces any previous call (the customer reconnected and re-offered).
  closePeer();
  const pc = new RTCPeerConnection({ iceServers: [] });
  call.pc = pc;
  call.sessionId = sessionId;
  call.starting = null;
  clearTimeout(call.startingTimer);
  changed();

  const remote = new MediaStream();
  const video = $('remote-video');
  video.srcObject = remote;
  pc.ontrack = (event) => {
    remote.addTrack(event.track);
    video.play().catch(() => showMessage('Click the video to hear the customer.', 'info'));
  };
  pc.onconnectionstatechange = () => { if (call.pc === pc) changed(); };
  pc.onicecandidate = (event) => {
    // Candidates found after the answer went out (gathering was slow) trickle.
    if (call.pc === pc && call.answerSent && event.candidate) {
      send({ type: 'candidate', session_id: sessionId, candidate: event.candidate.toJSON() });
    }
  };

  try {
    const mic = await (call.micPromise || (call.micPromise = getMicrophone()));
    if (call.pc !== pc) return;
    // Added before the offer is applied, so the offer's audio m-line takes this track and
    // the answer sends the technician's voice back.
    if (mic) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    call.remoteDescriptionSet = true;
    for (const candidate of call.pendingCandidates.splice(0)) {
      await pc.addIceCandidate(candidate).catch(() => {});
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await iceGatheringDone(pc, ICE_GATHERING_TIMEOUT_MS);
    if (call.pc !== pc) return;
    send({ type: 'answer', session_id: sessionId, sdp: pc.localDescription.sdp });
    call.answerSent = true;
    changed();
  } catch (error) {
    if (call.pc === pc) showMessage('Could not connect the video: ' + error.message);
  }
}

function iceGatheringDone(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => { if (pc.iceGatheringState === 'complete') done(); };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

function addRemoteCandidate({ session_id: sessionId, candidate }) {
  if (!call.pc || call.sessionId !== sessionId || !candidate) return;
  const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
  if (!call.remoteDescriptionSet) {
    call.pendingCandidates.push(init);
    return;
  }
  call.pc.addIceCandidate(init).catch((error) => console.warn('Lens: ignoring a remote candidate', error));
}

function closePeer() {
  if (call.pc) {
    call.pc.ontrack = null;
    call.pc.onicecandidate = null;
    call.pc.onconnectionstatechange = null;
    call.pc.close();
  }
  call.pc = null;
  call.sessionId = null;
  call.remoteDescriptionSet = false;
  call.pendingCandidates = [];
  call.answerSent = false;
  $('remote-video').srcObject = null;
}

/** Ends the call on this page: no peer connection, microphone released. */
export function endCall() {
  closePeer();
  if (call.mic) for (const track of call.mic.getTracks()) track.stop();
  call.mic = null;
  call.micPromise = null;
  changed();
}

/** Mutes or unmutes the microphone; true when it is now muted. */
export function toggleMute() {
  if (!call.mic) return false;
  const tracks = call.mic.getAudioTracks();
  const muted = tracks.length > 0 && tracks[0].enabled;
  for (const track of tracks) track.enabled = !muted;
  return muted;
}

handle('offer', answerOffer);
handle('candidate', addRemoteCandidate);
handle('refused', (message) => {
  call.starting = null;
  showMessage(message.message);
  changed();
});

// The call ends when its session does, whoever ended it, and the technician reads why in
// the server's words.
on('sessions', (sessions) => {
  if (!call.sessionId) return;
  const current = sessions.find((s) => s.id === call.sessionId);
  if (current && current.status === 'active') return;
  endCall();
  if (current && current.end_reason_text) showMessage(current.end_reason_text + '.', 'info');
});
on('signed-out', endCall);
