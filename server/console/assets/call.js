// The call: the one RTCPeerConnection for the session this console shows, and the
// technician's microphone. The customer's app makes the WebRTC offer after Start (with this
// call's STUN/TURN servers from the server); this page answers at once and both sides
// trickle their candidates. An offer marked ice_restart belongs on the peer connection that
// exists, so the video keeps its stream. Whenever the call changes it announces call-changed
// (the session list and the live panel redraw).
import { $ } from './dom.js';
import { announce, on } from './bus.js';
import { handle, send } from './socket.js';
import { showMessage, clearMessage } from './message.js';
import { unlockAudio } from './sound.js';
import { rtcConfiguration, relayOnly, turnUrls, isRelay, relayOnlySdp, iceUfrag } from './ice.js';
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
export const answerSent = () => !!(call.peer && call.peer.answered);
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
  const pc = new RTCPeerConnection(rtcConfiguration(message.ice));
  const peer = {
    pc,
    sessionId,
    relayOnly: relayOnly(message.ice),
    turnUrls: turnUrls(message.ice),
    // Whether this negotiation gathered a relay candidate yet, and the watch for none.
    relayGathered: false,
    cancelRelayWatch: () => {},
    micAdded: false,
    // Each offer on this pc is one negotiation; a later offer makes an earlier one stale.
    generation: 0,
    negotiation: Promise.resolve(),
    // Remote candidates wait for the remote description of the current negotiation.
    remoteReady: false,
    pendingRemote: [],
    // Local candidates wait until the answer they belong to went out.
    answered: false,
    pendingLocal: [],
    ufrag: null,
    // icecandidateerror: each URL and code is told once per call.
    errorsSeen: new Set(),
  };
  call.peer = peer;
  call.starting = null;
  clearTimeout(call.startingTimer);
  changed();

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
  pc.onicecandidate = (event) => { if (call.peer === peer) onLocalCandidate(peer, event.candidate); };
  pc.onicecandidateerror = (event) => { if (call.peer === peer) onIceCandidateError(peer, event); };
  negotiate(peer, message);
}

// The customer restarts ICE (its network changed or the path broke): same peer connection,
// same tracks, new ICE credentials and candidates on both sides.
function restartIce(peer, message) {
  // Fresh TURN credentials come with every offer; the restart gathers with them.
  try {
    peer.pc.setConfiguration(rtcConfiguration(message.ice));
    peer.relayOnly = relayOnly(message.ice);
    peer.turnUrls = turnUrls(message.ice);
  } catch (error) {
    console.warn('Lens: the new ICE configuration was not applied:', error.name);
  }
  negotiate(peer, message);
}

// Answers one offer on the peer's pc, after any negotiation still running on it. Candidates
// that arrive meanwhile are queued (see remoteReady, answered).
function negotiate(peer, { sdp }) {
  const generation = ++peer.generation;
  peer.remoteReady = false;
  peer.answered = false;
  peer.relayGathered = false;
  const stale = () => call.peer !== peer || peer.generation !== generation;
  const run = async () => {
    if (stale()) return;
    const { pc } = peer;
    try {
      if (!peer.micAdded) {
        const mic = await (call.micPromise || (call.micPromise = getMicrophone()));
        if (stale()) return;
        // Added before the first offer is applied, so the offer's audio m-line takes this
        // track and the answer sends the technician's voice back; a restart keeps it.
        if (mic) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
        peer.micAdded = true;
      }
      await pc.setRemoteDescription({ type: 'offer', sdp });
      if (stale()) return;
      peer.remoteReady = true;
      for (const candidate of peer.pendingRemote.splice(0)) {
        await pc.addIceCandidate(candidate).catch(() => {});
      }
      await pc.setLocalDescription(await pc.createAnswer());
      if (stale()) return;
      // Trickle ICE: the answer goes now, its candidates follow one by one.
      let answer = pc.localDescription.sdp;
      if (peer.relayOnly) answer = relayOnlySdp(answer);
      send({ type: 'answer', session_id: peer.sessionId, sdp: answer });
      wire.sentAnswers.push(answer);
      peer.ufrag = iceUfrag(answer);
      peer.answered = true;
      for (const candidate of peer.pendingLocal.splice(0)) sendCandidate(peer, candidate);
      peer.cancelRelayWatch();
      peer.cancelRelayWatch = expectRelay(peer, peer.turnUrls, () => peer.relayGathered || stale());
      changed();
    } catch (error) {
      if (!stale()) showMessage('Could not connect the video: ' + error.message);
    }
  };
  peer.negotiation = peer.negotiation.then(run, run);
}

function onLocalCandidate(peer, candidate) {
  // null (or an empty line) marks the end of gathering: nothing to send.
  if (!candidate || !candidate.candidate) return;
  if (isRelay(candidate)) peer.relayGathered = true;
  if (!peer.answered) {
    peer.pendingLocal.push(candidate);
    return;
  }
  sendCandidate(peer, candidate);
}

function sendCandidate(peer, candidate) {
  // Relay-only: the customer must not learn this computer's addresses, whatever the
  // browser gathered despite iceTransportPolicy 'relay'.
  if (peer.relayOnly && !isRelay(candidate)) return;
  // A candidate of the ICE generation before a restart belongs to no answer the customer has.
  if (candidate.usernameFragment && peer.ufrag && candidate.usernameFragment !== peer.ufrag) return;
  const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
  if (send({ type: 'candidate', session_id: peer.sessionId, candidate: init })) {
    wire.sentCandidates.push(candidate.candidate);
  }
}

function addRemoteCandidate({ session_id: sessionId, candidate }) {
  const peer = call.peer;
  if (!peer || peer.sessionId !== sessionId || !candidate || typeof candidate.candidate !== 'string') return;
  wire.receivedCandidates.push(candidate.candidate);
  const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
  if (!peer.remoteReady) {
    peer.pendingRemote.push(init);
    return;
  }
  peer.pc.addIceCandidate(init).catch((error) => console.warn('Lens: ignoring a remote candidate:', error.name));
}

function closePeer() {
  const peer = call.peer;
  call.peer = null;
  if (peer) {
    const { pc } = peer;
    peer.cancelRelayWatch();
    pc.ontrack = null;
    pc.onicecandidate = null;
    pc.onicecandidateerror = null;
    pc.onconnectionstatechange = null;
    pc.oniceconnectionstatechange = null;
    pc.close();
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
