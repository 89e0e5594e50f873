// Privacy: no media leaves the customer's device before the customer accepted the EULA
// and the technician clicked Start, and it stops within a second of End.
//
// The customer runs as its own user (nobody) so an nftables counter on the output hook of
// this test's network namespace counts its UDP packets and nobody else's. WebRTC media is
// the only UDP the app sends; signalling is TCP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startCustomer } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';

const NOBODY = 65534;
const TABLE = 'lens_privacy';

function nft(...args) {
  return execFileSync('nft', args, { encoding: 'utf8' });
}

function customerUdpPackets() {
  const listing = JSON.parse(nft('-j', 'list', 'table', 'inet', TABLE));
  const counter = listing.nftables.find((item) => item.rule)?.rule.expr.find((e) => e.counter);
  return counter.counter.packets;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(() => {
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0; policy accept; }');
  nft('add', 'rule', 'inet', TABLE, 'out', 'meta', 'skuid', String(NOBODY), 'meta', 'l4proto', 'udp', 'counter');
});
after(() => {
  try { nft('delete', 'table', 'inet', TABLE); } catch { /* already gone with the namespace */ }
});
const lens = signedInTechnician();

test('the customer sends no packet of media until Start, and stops within a second of End', async () => {
  const { pin } = await lens.technician.newSession('Petra Private');
  const customer = startCustomer(lens.server, pin, { asUser: NOBODY });
  try {
    await customer.waitFor(/state: waiting_for_technician/);
    await lens.technician.waitForStatus('Petra Private', 'Waiting');
    // Waiting with the EULA accepted: the technician has not started. Nothing may leave.
    await sleep(3000);
    assert.equal(customerUdpPackets(), 0, 'UDP packets sent by the customer before Start');

    await lens.technician.start('Petra Private');
    await lens.technician.waitForStats((s) => s.framesDecoded >= 10);
    const whileLive = customerUdpPackets();
    assert.ok(whileLive > 10, `the counter sees the customer's media once started (${whileLive} packets)`);

    await lens.technician.end();
    await customer.waitFor(/state: ended/);
    await sleep(1000);
    const oneSecondAfterEnd = customerUdpPackets();
    await sleep(2000);
    assert.equal(customerUdpPackets(), oneSecondAfterEnd, 'UDP packets sent more than a second after End');
  } finally {
    await customer.stop();
  }
});

test('a customer who declines the EULA never sends media', async () => {
  const before = customerUdpPackets();
  const { pin } = await lens.technician.newSession('Dora Decliner');
  const customer = startCustomer(lens.server, pin, { asUser: NOBODY, acceptEula: false });
  try {
    await customer.waitFor(/Accept\? \[y\/N\]/);
    customer.child.stdin.write('n\n');
    await customer.waitFor(/state: ended \(The customer declined the licence agreement\)/);
    await lens.technician.waitForStatus('Dora Decliner', 'Closed');
    assert.match(await lens.technician.rowText('Dora Decliner'), /declined the licence agreement/);
    assert.equal(customerUdpPackets(), before);
  } finally {
    await customer.stop();
  }
});
