// How the console's peer connection reaches the customer: the server's ICE configuration for
// one call (core/src/signal/ice.rs, IceConfig) as an RTCConfiguration, the candidates that
// may leave this page, and the words for the path a call takes. Nothing here logs: the TURN
// credentials must never reach the browser's console.

/** The RTCConfiguration for the `ice` of the server's offer (absent from older servers). */
export function rtcConfiguration(ice) {
  const servers = (ice && Array.isArray(ice.ice_servers)) ? ice.ice_servers : [];
  const iceServers = servers.map((server) => {
    const entry = { urls: server.urls };
    if (server.username != null) entry.username = server.username;
    if (server.credential != null) entry.credential = server.credential;
    return entry;
  });
  return { iceServers, iceTransportPolicy: relayOnly(ice) ? 'relay' : 'all' };
}

export const relayOnly = (ice) => !!(ice && ice.relay_only);

/** The TURN URLs (turn:, turns:) of an ICE configuration. */
export function turnUrls(ice) {
  const servers = (ice && Array.isArray(ice.ice_servers)) ? ice.ice_servers : [];
  return servers.flatMap((server) => [].concat(server.urls || [])).filter((url) => /^turns?:/i.test(url));
}

/** The `typ` word of a candidate line ("… typ host …"), or null. */
export function candidateType(line) {
  const words = String(line || '').split(/\s+/);
  const at = words.indexOf('typ');
  return at >= 0 && at + 1 < words.length ? words[at + 1] : null;
}

/** True when the candidate is a TURN relay one; RTCIceCandidate.type and the line must agree. */
export function isRelay(candidate) {
  const typ = candidateType(candidate.candidate);
  return typ === 'relay' && (!candidate.type || candidate.type === 'relay');
}

/** The SDP without candidate lines that are not relayed (relay-only calls, defence in depth). */
export function relayOnlySdp(sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || candidateType(line.slice(2)) === 'relay')
    .join('\r\n');
}

/** The first `a=ice-ufrag:` of an SDP, or null. */
export function iceUfrag(sdp) {
  const match = /^a=ice-ufrag:(\S+)/m.exec(sdp || '');
  return match ? match[1] : null;
}

/**
 * A STUN/TURN URL as people may read it: scheme, host and port only. Anything that could be
 * a credential (a user part before '@') or noise (the query) is dropped.
 */
export function safeIceUrl(url) {
  const match = /^(stuns?|turns?):(?:[^@/?]*@)?([^?]*)/i.exec(String(url || ''));
  return match ? `${match[1].toLowerCase()}:${match[2]}` : '';
}

/** The sentence for a failed STUN or TURN server (the peer connection's icecandidateerror). */
export function iceErrorSentence(url, code, text) {
  const relay = /^turns?:/.test(url);
  const server = relay ? 'The relay server' : 'The STUN server';
  const what = text ? `${code} ${text}` : String(code);
  // 300–699 are the server's own STUN error responses; 701 means no answer at all.
  const verb = code >= 300 && code < 700 ? 'refused the console' : 'could not be reached from the console';
  return `${server} ${url || '(unknown)'} ${verb} (${what})`;
}

// Ordered from most to least direct: a pair's path is the less direct of its two sides
// (core's MediaPath::of_pair).
const PATHS = ['unknown', 'direct', 'through_nat', 'relayed'];
const PATH_WORDS = {
  unknown: 'Not connected yet',
  direct: 'Direct',
  through_nat: 'Through NAT',
  relayed: 'Relayed (TURN)',
};

function rank(type) {
  if (type === 'host') return 'direct';
  if (type === 'srflx' || type === 'prflx') return 'through_nat';
  if (type === 'relay') return 'relayed';
  return 'unknown';
}

/** The path of a candidate pair from its two candidates' types. */
export function pathOf(localType, remoteType) {
  const local = rank(localType);
  const remote = rank(remoteType);
  if (local === 'unknown' || remote === 'unknown') return 'unknown';
  return PATHS[Math.max(PATHS.indexOf(local), PATHS.indexOf(remote))];
}

export const describePath = (path) => PATH_WORDS[path] || PATH_WORDS.unknown;

/**
 * The selected candidate pair of a getStats report: the transport's selectedCandidatePairId,
 * else the nominated pair that succeeded. `{ path, local, remote, pair }` or null.
 */
export function selectedPair(report) {
  const stats = new Map();
  report.forEach((r) => stats.set(r.id, r));
  let pair = null;
  for (const r of stats.values()) {
    if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId) || pair;
  }
  if (!pair) {
    for (const r of stats.values()) {
      if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') { pair = r; break; }
    }
  }
  if (!pair) return null;
  const local = signalled(stats.get(pair.localCandidateId) || null, stats);
  const remote = signalled(stats.get(pair.remoteCandidateId) || null, stats);
  const path = pathOf(local && local.candidateType, remote && remote.candidateType);
  return { path, local, remote, pair };
}

/**
 * A peer-reflexive candidate that has the address and port of a signalled candidate of the
 * same side stands for that candidate: with trickle ICE the first check often arrives before
 * the candidate it comes from, and that race is not a NAT.
 */
function signalled(candidate, stats) {
  if (!candidate || candidate.candidateType !== 'prflx') return candidate;
  for (const other of stats.values()) {
    if (other.type === candidate.type && other.candidateType !== 'prflx'
      && other.address === candidate.address && other.port === candidate.port) return other;
  }
  return candidate;
}
