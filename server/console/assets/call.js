// The call: the one RTCPeerConnection for the session this console shows (answerer.js), and
// the technician's microphone. The customer's app makes the WebRTC offer after Start (with
// this call's STUN/TURN servers from the server); this page answers at once and both sides
// trickle their candidates. An offer marked ice_restart belongs on the peer connection that
// exists, so the video keeps its stream. Whenever the call changes it announces call-changed
// (the session list and the live panel redraw).
import { $ } from './dom.js';
import { announce, on } from './bus.js';
import { handle, send } from './socket.js';
import { showMessage, clearMessage } from './message.js';
import { unlockAudio } from './sound.js';
import { isRelay } from './ice.js';
import { createAnswerer } from './answerer.js';
import { onIceCandidateError, expectRelay } from './ice-errors.js';

// How long Start hides the Resume button while the customer's offer is on its way.
const STARTING_MS = 10000;

const call = {
  // The peer connection and what belongs to it (see newPeer), or null.
  peer: null,
  // The session this console just clicked Start on, until its offer arrives.
  starting: null,
  startingTimer: null,
  mic: null,
  micPromise: null,
};

// For tests (window.lens): what went over the wire, for the life of the page.
const wire = { sentCandidates: [], receivedCandidates: [], remoteOffers: [], sentAnswers: [] };
export const wireLog = () => ({
  sentCandidates: wire.sentCandidates.slice(),
  receivedCandidates: wire.receivedCandidates.slice(),
  remoteOffers: wire.remoteOffers.slice(),
  sentAnswers: wire.sentAnswers.slice(),
});

const changed = () => announce('call-changed');

/** The current RTCPeerConnection, or null. */
export const currentPc = () => (call.peer ? call.peer.pc : null);
/** The session the video belongs to, or null. */
export const callSession = () => (call.peer ? call.peer.sessionId : null);
export const isStarting = (sessionId) => call.starting === sessionId;
export const answerSent = () => !!(call.peer && call.peer.answerer.answered);
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
  if (send({ type: 'end', session_id: sessionId }) && callSession() === sessionId) endCall();
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

function onOffer(message) {
  if (typeof message.sdp !== 'string') return;
  wire.remoteOffers.push(message.sdp);
  const peer = call.peer;
  if (message.ice_restart && peer && peer.sessionId === message.session_id && peer.pc.signalingState !== 'closed') {
    restartIce(peer, message);
  } else {
    newPeer(message);
  }
}

// A new offer without ice_restart replaces any previous call (the customer's app started
// media again, or reconnected its socket and re-offered).
function newPeer(message) {
  closePeer();
  const sessionId = message.session_id;
  // What ice-errors.js reads: sessionId, relayOnly, errorsSeen.
  const peer = {
    sessionId,
    answerer: null,
    pc: null,
    relayOnly: false,
    // Whether this negotiation gathered a relay candidate yet, and the watch for none.
    relayGathered: false,
    cancelRelayWatch: () => {},
    // icecandidateerror: each URL and code is told once per call.
    errorsSeen: new Set(),
  };
  const answerer = createAnswerer(message.ice, {
    prepare: async (pc) => {
      const mic = await (call.micPromise || (call.micPromise = getMicrophone()));
      if (mic) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    },
    negotiating: () => { peer.relayGathered = false; },
    localCandidate: (candidate) => { if (isRelay(candidate)) peer.relayGathered = true; },
    sendAnswer: (sdp) => {
      send({ type: 'answer', session_id: sessionId, sdp });
      wire.sentAnswers.push(sdp);
    },
    sendCandidate: (init) => {
      if (send({ type: 'candidate', session_id: sessionId, candidate: init })) wire.sentCandidates.push(init.candidate);
    },
    answered: (_sdp, stale) => {
      peer.cancelRelayWatch();
      peer.cancelRelayWatch = expectRelay(peer, answerer.turnUrls, () => peer.relayGathered || stale());
      changed();
    },
    failed: (error) => showMessage('Could not connect the video: ' + error.message),
  });
  peer.answerer = answerer;
  peer.pc = answerer.pc;
  peer.relayOnly = answerer.relayOnly;
  call.peer = peer;
  call.starting = null;
  clearTimeout(call.startingTimer);
  changed();

  const { pc } = answerer;
  const remote = new MediaStream();
  const video = $('remote-video');
  video.srcObject = remote;
  pc.ontrack = (event) => {
    remote.addTrack(event.track);
    video.play().catch((error) => {
      // Only a blocked autoplay needs the technician; a call that ends before its first
      // frame aborts play(), and the end reason must stay on screen.
      if (call.peer === peer && error.name === 'NotAllowedError') showMessage('Click the video to hear the customer.', 'info');
    });
  };
  pc.onconnectionstatechange = () => { if (call.peer === peer) changed(); };
  pc.oniceconnectionstatechange = () => {
    if (call.peer !== peer) return;
    announce('ice-state', { pc, sessionId, state: pc.iceConnectionState });
    changed();
  };
  pc.onicecandidateerror = (event) => { if (call.peer === peer) onIceCandidateError(peer, event); };
  answerer.negotiate(message.sdp);
}

// The customer restarts ICE (its network changed or the path broke): same peer connection,
// same tracks, new ICE credentials and candidates on both sides.
function restartIce(peer, message) {
  // Fresh TURN credentials come with every offer; the restart gathers with them.
  try {
    peer.answerer.reconfigure(message.ice);
    peer.relayOnly = peer.answerer.relayOnly;
  } catch (error) {
    console.warn('Lens: the new ICE configuration was not applied:', error.name);
  }
  peer.answerer.negotiate(message.sdp);
}

function addRemoteCandidate({ session_id: sessionId, candidate }) {
  const peer = call.peer;
  if (!peer || peer.sessionId !== sessionId || !candidate || typeof candidate.candidate !== 'string') return;
  wire.receivedCandidates.push(candidate.candidate);
  peer.answerer.addRemoteCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
}

function closePeer() {
  const peer = call.peer;
  call.peer = null;
  if (peer) {
    peer.cancelRelayWatch();
    peer.answerer.close();
  }
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

handle('offer', onOffer);
handle('candidate', addRemoteCandidate);
handle('refused', (message) => {
  call.starting = null;
  showMessage(message.message);
  changed();
});

// The call ends when its session does, whoever ended it, and the technician reads why in
// the server's words.
on('sessions', (sessions) => {
  const sessionId = callSession();
  if (!sessionId) return;
  const current = sessions.find((s) => s.id === sessionId);
  if (current && current.status === 'active') return;
  endCall();
  if (current && current.end_reason_text) showMessage(current.end_reason_text + '.', 'info');
});
on('signed-out', endCall);
