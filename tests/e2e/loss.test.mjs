// A lossy uplink with the real technician (issue 17): the customer's UDP packets are dropped
// at random on their way into the technician's namespace (nftables), and the console keeps
// the call: at 10 % loss the picture never stops for a second and most of the voice plays
// from packets; at 30 % pictures still come and the call survives. The figures are in
// tests/bench/loss.mjs; webrtc-rs's link-shaper test (engine/tests/link_shaper.rs) adds
// delay and jitter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { receivingOver } from '../lib/console.mjs';
import { lab, net, useNetworkLab, liveSession, endSession, sleep } from '../lib/network-calls.mjs';

useNetworkLab();

test('a lossy uplink: no freeze over a second at 10 % loss, pictures and the call at 30 %', async () => {
  const ns = await lab.namespace('cust-lossy');
  const customerIp = '10.77.0.31';
  lab.onPublicBridge(ns, 'eth0', customerIp);
  const { customer } = await liveSession(ns, 'Lena Lossy');
  const live = customer.lines.length;
  try {
    for (const [share, check] of [
      [0.1, (m) => {
        assert.ok(m.longestGapMs <= 1000, `the picture froze for ${m.longestGapMs.toFixed(0)} ms`);
        assert.ok(m.audioPlayed >= 0.8, `${(m.audioPlayed * 100).toFixed(1)} % of the voice played`);
      }],
      [0.3, (m) => assert.ok(m.frames > 0, 'no picture at 30 % loss')],
    ]) {
      const release = net.techNs.loseIncomingUdp(customerIp, share);
      try {
        await sleep(3000); // the sender reacts first
        const m = await receivingOver(net.technician.page, 8);
        console.log(`${share * 100} % loss: ${JSON.stringify(m)}`);
        check(m);
      } finally {
        release();
      }
    }
    // The same call is still up: the customer's state never changed from Live, and its
    // connection never had to reconnect.
    assert.deepEqual(customer.lines.slice(live).filter((l) => /^(state|connection): /.test(l)), [], 'the call held');
    const m = await receivingOver(net.technician.page, 2);
    assert.ok(m.frames > 0, 'pictures on the clean link again');
  } finally {
    await endSession(net.technician, customer);
  }
});
