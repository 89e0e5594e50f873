// A link between two WebRTC peers on loopback, for benches: a UDP relay that delays both
// directions and limits the sender's uplink (a token bucket with a bounded drop-tail queue, as
// a home router's upstream does). This machine's kernel has no netem, so the delay is added
// here, in user space; Node's timers keep it within a millisecond or two.
//
// It gets onto the media path the way engine/tests/support/shaper.rs does: each peer is told
// the relay's address instead of the other's. The offer's one UDP host candidate is rewritten
// to the relay's answerer-facing socket and the answer's to its offerer-facing socket; every
// other candidate is dropped. So every ICE check, DTLS record, RTP and RTCP packet goes
// through the relay, and each peer sees packets come from the address it was given. Both
// peers must put all their candidates in the SDP (wait for ICE gathering) and bind 127.0.0.1.

import dgram from 'node:dgram';

const CANDIDATE = /^a=candidate:(\S+) (\d+) udp (\d+) 127\.0\.0\.1 (\d+) typ host(.*)$/i;

/** The first RTP-component UDP host candidate on 127.0.0.1 in `sdp`, and `sdp` with every
 * candidate line replaced by that one pointing at `port`. */
function reroute(sdp, port) {
  let original = null;
  const lines = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('a=candidate:')) { lines.push(line); continue; }
    const m = line.match(CANDIDATE);
    if (!m || m[2] !== '1') continue;
    if (original === null) original = Number(m[4]);
    if (Number(m[4]) === original) lines.push(`a=candidate:${m[1]} 1 udp ${m[3]} 127.0.0.1 ${port} typ host${m[5]}`);
  }
  if (original === null) throw new Error('no UDP host candidate on 127.0.0.1 in the SDP');
  return { port: original, sdp: lines.join('\r\n') };
}

const bind = () => new Promise((resolve, reject) => {
  const socket = dgram.createSocket('udp4');
  socket.once('error', reject);
  socket.bind(0, '127.0.0.1', () => resolve(socket));
});

/**
 * Starts a relay: `delayMs` one way in each direction (so the round trip is twice that), and
 * `rateBps` (null: unlimited) on the offerer → answerer direction, the uplink of the sender
 * that offers. Returns { routeOffer(sdp), routeAnswer(sdp), counters, close() }.
 */
export async function startRelay({ delayMs = 0, rateBps = null, queueBytes = 64 * 1024 } = {}) {
  const towardAnswerer = await bind(); // the offerer sends here; it sends to the answerer
  const towardOfferer = await bind(); // the answerer sends here; it sends to the offerer
  const peers = { offerer: null, answerer: null };
  const counters = { uplinkPackets: 0, uplinkDropped: 0, downlinkPackets: 0 };

  // The uplink's bottleneck: packets wait in a queue drained at rateBps.
  const queue = [];
  let queued = 0;
  let busyUntil = 0;
  let closed = false;
  // A packet still on its way when the relay closes is lost, as on a link that went down.
  const afterDelay = (fn) => {
    const deliver = () => { if (!closed) fn(); };
    return delayMs > 0 ? setTimeout(deliver, delayMs) : setImmediate(deliver);
  };

  const sendUp = (packet) => {
    counters.uplinkPackets++;
    afterDelay(() => towardOfferer.send(packet, peers.answerer, '127.0.0.1'));
  };
  const drain = () => {
    const now = performance.now();
    while (queue.length && busyUntil <= now) {
      const packet = queue.shift();
      queued -= packet.length;
      busyUntil = Math.max(busyUntil, now) + (packet.length * 8 * 1000) / rateBps;
      sendUp(packet);
    }
    if (queue.length) setTimeout(drain, Math.max(0, busyUntil - now));
  };

  towardAnswerer.on('message', (packet) => {
    if (peers.answerer === null) return;
    if (rateBps === null) return sendUp(packet);
    if (queued + packet.length > queueBytes) { counters.uplinkDropped++; return; }
    queue.push(packet);
    queued += packet.length;
    if (queue.length === 1) drain();
  });
  towardOfferer.on('message', (packet) => {
    if (peers.offerer === null) return;
    counters.downlinkPackets++;
    afterDelay(() => towardAnswerer.send(packet, peers.offerer, '127.0.0.1'));
  });

  return {
    counters,
    /** The offer the answerer gets: the offerer's candidate replaced by the relay. */
    routeOffer(sdp) {
      const { port, sdp: routed } = reroute(sdp, towardOfferer.address().port);
      peers.offerer = port;
      return routed;
    },
    /** The answer the offerer gets: the answerer's candidate replaced by the relay. */
    routeAnswer(sdp) {
      const { port, sdp: routed } = reroute(sdp, towardAnswerer.address().port);
      peers.answerer = port;
      return routed;
    },
    close() {
      closed = true;
      towardAnswerer.close();
      towardOfferer.close();
    },
  };
}
