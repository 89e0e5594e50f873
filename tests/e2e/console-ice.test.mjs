// The console's ICE helpers (server/console/assets/ice.js, plain functions without a page):
// the RTCConfiguration from the server's offer, the relay-only filter, URLs without
// credentials, the words for a failed server and the path of a selected candidate pair.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ice from '../../server/console/assets/ice.js';

const HOST = 'candidate:1 1 udp 2122260223 10.0.0.2 51000 typ host generation 0';
const SRFLX = 'candidate:2 1 udp 1686052607 203.0.113.5 51000 typ srflx raddr 10.0.0.2 rport 51000';
const RELAY = 'candidate:3 1 udp 41885439 10.9.0.1 49152 typ relay raddr 203.0.113.5 rport 51000';

test('the offer\'s ice becomes the RTCConfiguration, relay-only as the transport policy', () => {
  const config = ice.rtcConfiguration({
    ice_servers: [
      { urls: ['stun:10.9.0.1:3478'] },
      { urls: ['turn:10.9.0.1:3478?transport=udp', 'turn:10.9.0.1:3478?transport=tcp'], username: '1767225600:s1', credential: 'pw' },
    ],
    relay_only: true,
  });
  assert.deepEqual(config, {
    iceServers: [
      { urls: ['stun:10.9.0.1:3478'] },
      { urls: ['turn:10.9.0.1:3478?transport=udp', 'turn:10.9.0.1:3478?transport=tcp'], username: '1767225600:s1', credential: 'pw' },
    ],
    iceTransportPolicy: 'relay',
  });
  // An older server sends no ice: host candidates only, as before.
  assert.deepEqual(ice.rtcConfiguration(undefined), { iceServers: [], iceTransportPolicy: 'all' });
});

test('only relay candidates pass the relay-only filter, in trickle and in the SDP', () => {
  assert.equal(ice.candidateType(SRFLX), 'srflx');
  assert.equal(ice.isRelay({ candidate: RELAY, type: 'relay' }), true);
  assert.equal(ice.isRelay({ candidate: HOST, type: 'host' }), false);
  // The line decides even if the browser's type says otherwise.
  assert.equal(ice.isRelay({ candidate: HOST, type: 'relay' }), false);
  const sdp = ['v=0', 'a=ice-ufrag:AbCd', `a=${HOST}`, `a=${SRFLX}`, `a=${RELAY}`, 'a=end-of-candidates', ''].join('\r\n');
  assert.equal(ice.relayOnlySdp(sdp), ['v=0', 'a=ice-ufrag:AbCd', `a=${RELAY}`, 'a=end-of-candidates', ''].join('\r\n'));
  assert.equal(ice.iceUfrag(sdp), 'AbCd');
});

test('a failed server is named without credentials', () => {
  assert.equal(ice.safeIceUrl('turn:10.0.0.1:3478?transport=udp'), 'turn:10.0.0.1:3478');
  assert.equal(ice.safeIceUrl('turns:user:secret@relay.example:5349'), 'turns:relay.example:5349');
  assert.equal(ice.iceErrorSentence('turn:10.0.0.1:3478', 401, 'Unauthorized'),
    'The relay server turn:10.0.0.1:3478 refused the console (401 Unauthorized)');
  assert.equal(ice.iceErrorSentence('stun:10.0.0.1:3478', 701, 'STUN binding request timed out.'),
    'The STUN server stun:10.0.0.1:3478 could not be reached from the console (701 STUN binding request timed out.)');
});

test('the path of a pair is its less direct side, from the selected pair of a stats report', () => {
  assert.equal(ice.pathOf('host', 'host'), 'direct');
  assert.equal(ice.pathOf('host', 'srflx'), 'through_nat');
  assert.equal(ice.pathOf('prflx', 'host'), 'through_nat');
  assert.equal(ice.pathOf('host', 'relay'), 'relayed');
  assert.equal(ice.pathOf('host', undefined), 'unknown');
  assert.equal(ice.describePath('relayed'), 'Relayed (TURN)');
  const report = (entries) => new Map(entries.map((e) => [e.id, e]));
  const candidates = [
    { id: 'L1', type: 'local-candidate', candidateType: 'host' },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
    { id: 'R1', type: 'remote-candidate', candidateType: 'srflx' },
  ];
  const pairs = [
    { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
    { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: false, state: 'succeeded' },
  ];
  // The transport names the selected pair.
  const selected = ice.selectedPair(report([...candidates, ...pairs, { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' }]));
  assert.equal(selected.path, 'relayed');
  // Without it, the nominated pair that succeeded.
  assert.equal(ice.selectedPair(report([...candidates, ...pairs])).path, 'through_nat');
  assert.equal(ice.selectedPair(report(candidates)), null);
});

test('a peer-reflexive candidate that is a trickled host candidate reads as direct, a real one as NAT', () => {
  const report = (entries) => new Map(entries.map((e) => [e.id, e]));
  const local = { id: 'L1', type: 'local-candidate', candidateType: 'host', address: '10.0.0.2', port: 5000 };
  const pair = { id: 'P', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' };
  // The customer's check arrived before its host candidate: Chromium keeps the pair's remote as prflx.
  const early = { id: 'R1', type: 'remote-candidate', candidateType: 'prflx', address: '10.0.0.3', port: 6000 };
  const trickled = { id: 'R2', type: 'remote-candidate', candidateType: 'host', address: '10.0.0.3', port: 6000 };
  assert.equal(ice.selectedPair(report([local, early, trickled, pair])).path, 'direct');
  // A host candidate elsewhere does not make a NAT's mapping direct.
  const other = { ...trickled, port: 6001 };
  assert.equal(ice.selectedPair(report([local, early, other, pair])).path, 'through_nat');
  // A local candidate with the same address does not stand for a remote one.
  const sameAsLocal = { ...trickled, type: 'local-candidate', id: 'L9' };
  assert.equal(ice.selectedPair(report([local, early, sameAsLocal, pair])).path, 'through_nat');
});
