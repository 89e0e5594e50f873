// One answering peer connection: the customer's app offers, this page answers at once, and
// both sides trickle their candidates. The console's call (call.js) and the collaborating
// technician's page (collaborate.js) each keep one; what happens around it (the microphone,
// what went over the wire, the relay watch) comes in through `hooks`. Another offer on the
// same answerer is one more negotiation (an ICE restart), run after any still under way.
import { rtcConfiguration, relayOnly, turnUrls, isRelay, relayOnlySdp, iceUfrag } from './ice.js';

/**
 * `ice`: the server's ICE configuration for this call. `hooks` (all optional but the sends):
 * - sendAnswer(sdp), sendCandidate(init) → true if it went out;
 * - prepare(pc): async, once, before the first offer is applied (add the microphone here);
 * - negotiating(): a negotiation begins; localCandidate(candidate): each local candidate;
 * - answered(sdp, isStale): the answer went out (isStale() turns true once superseded);
 * - failed(error): a negotiation failed while still current.
 */
export function createAnswerer(ice, hooks) {
  const pc = new RTCPeerConnection(rtcConfiguration(ice));
  const answerer = {
    pc,
    relayOnly: relayOnly(ice),
    turnUrls: turnUrls(ice),
    closed: false,
    // Each offer is one negotiation; a later offer makes an earlier one stale.
    generation: 0,
    negotiation: Promise.resolve(),
    prepared: false,
    // Remote candidates wait for the remote description of the current negotiation...
    remoteReady: false,
    pendingRemote: [],
    // ...and local ones until the answer they belong to went out.
    answered: false,
    pendingLocal: [],
    ufrag: null,
  };
  pc.onicecandidate = (event) => { if (!answerer.closed) onLocal(answerer, hooks, event.candidate); };

  /** Answers `sdp`, after any negotiation still running. */
  answerer.negotiate = (sdp) => negotiate(answerer, hooks, sdp);
  /** Fresh STUN/TURN servers (they come with every offer) for an ICE restart. */
  answerer.reconfigure = (newIce) => {
    pc.setConfiguration(rtcConfiguration(newIce));
    answerer.relayOnly = relayOnly(newIce);
    answerer.turnUrls = turnUrls(newIce);
  };
  /** A candidate the customer's app trickled: { candidate, sdpMid, sdpMLineIndex }. */
  answerer.addRemoteCandidate = (init) => {
    if (!answerer.remoteReady) { answerer.pendingRemote.push(init); return; }
    pc.addIceCandidate(init).catch((error) => console.warn('Lens: ignoring a remote candidate:', error.name));
  };
  answerer.close = () => {
    answerer.closed = true;
    pc.ontrack = null;
    pc.onicecandidate = null;
    pc.onicecandidateerror = null;
    pc.onconnectionstatechange = null;
    pc.oniceconnectionstatechange = null;
    pc.close();
  };
  return answerer;
}

function negotiate(answerer, hooks, sdp) {
  const generation = ++answerer.generation;
  answerer.remoteReady = false;
  answerer.answered = false;
  if (hooks.negotiating) hooks.negotiating();
  const stale = () => answerer.closed || answerer.generation !== generation;
  const run = async () => {
    if (stale()) return;
    const { pc } = answerer;
    try {
      if (!answerer.prepared) {
        // Before the first offer is applied, so that the offer's audio m-line takes the
        // microphone's track and the answer sends it; a restart keeps it.
        if (hooks.prepare) await hooks.prepare(pc);
        if (stale()) return;
        answerer.prepared = true;
      }
      await pc.setRemoteDescription({ type: 'offer', sdp });
      if (stale()) return;
      answerer.remoteReady = true;
      for (const candidate of answerer.pendingRemote.splice(0)) {
        await pc.addIceCandidate(candidate).catch(() => {});
      }
      await pc.setLocalDescription(await pc.createAnswer());
      if (stale()) return;
      // Trickle ICE: the answer goes now, its candidates follow one by one.
      let answer = pc.localDescription.sdp;
      if (answerer.relayOnly) answer = relayOnlySdp(answer);
      hooks.sendAnswer(answer);
      answerer.ufrag = iceUfrag(answer);
      answerer.answered = true;
      for (const candidate of answerer.pendingLocal.splice(0)) sendCandidate(answerer, hooks, candidate);
      if (hooks.answered) hooks.answered(answer, stale);
    } catch (error) {
      if (!stale() && hooks.failed) hooks.failed(error);
    }
  };
  answerer.negotiation = answerer.negotiation.then(run, run);
}

function onLocal(answerer, hooks, candidate) {
  // null (or an empty line) marks the end of gathering: nothing to send.
  if (!candidate || !candidate.candidate) return;
  if (hooks.localCandidate) hooks.localCandidate(candidate);
  if (!answerer.answered) {
    answerer.pendingLocal.push(candidate);
    return;
  }
  sendCandidate(answerer, hooks, candidate);
}

function sendCandidate(answerer, hooks, candidate) {
  // Relay-only: the customer must not learn this computer's addresses, whatever the
  // browser gathered despite iceTransportPolicy 'relay'.
  if (answerer.relayOnly && !isRelay(candidate)) return;
  // A candidate of the ICE generation before a restart belongs to no answer the customer has.
  if (candidate.usernameFragment && answerer.ufrag && candidate.usernameFragment !== answerer.ufrag) return;
  hooks.sendCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex }, candidate);
}
