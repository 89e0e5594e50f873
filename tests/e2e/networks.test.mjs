// Lens across networks of the test's own: the customer and the technician's Chromium in
// network namespaces joined by veth pairs to a public side that holds lens-server and coturn
// (tests/lib/netlab.mjs). Every address here (10.77.x.y) belongs to a namespace this file
// made; nothing leaves the machine.
//
//   technician ns  10.77.0.2 ──┐
//   NAT router     10.77.0.3 ──┤ bridge lab0 10.77.0.1: lens-server, coturn (no forwarding)
//   bridge hosts   10.77.0.2x ─┘
//   point-to-point customers 10.77.N.2 ── 10.77.N.1: reach 10.77.0.1 only, nobody else
//
// Run: cd tests && ../tests/netns.sh node --test --test-concurrency=1 e2e/networks.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionLog } from '../lib/lens-netns.mjs';
import { TECHNICIAN_IP, consolePath, describeCall, endSession, framesGrow, lab, liveSession, mediaPathPill, net, noRoute, sdpCandidates, sleep, typeOf, useNetworkLab, wireSince, withCleanup } from '../lib/network-calls.mjs';

useNetworkLab();

test('a customer behind NAT reaches the technician through its server-reflexive address', async () => {
  const { inside } = await lab.natBehind('router', 'cust-nat', '10.77.3', '10.77.0.3');
  noRoute(net.techNs, '10.77.3.2');
  const mark = await wireSince(net.technician);

  const { customer } = await liveSession(inside, 'Nadia NAT');
  await withCleanup(async () => {
    const wire = await wireSince(net.technician, mark);
    const srflx = wire.receivedCandidates.filter((c) => typeOf(c) === 'srflx');
    assert.ok(srflx.some((c) => c.includes(' 10.77.0.3 ')),
      `the customer's srflx candidate is the router's address (coturn's STUN): ${JSON.stringify(wire.receivedCandidates)}`);
    const { pair } = await consolePath(net.technician, 'through_nat');
    assert.ok(['srflx', 'prflx'].includes(pair.remote.candidateType), `remote candidate ${pair.remote.candidateType}`);
    assert.notEqual(pair.local.candidateType, 'relay', 'not relayed: the NAT lets the direct path through');
    await framesGrow(net.technician);
    await mediaPathPill(net.technician, 'Through NAT', 'through_nat');
  }, () => endSession(net.technician, customer));
});

test('no route between customer and technician: media flows through coturn', async () => {
  const ns = await lab.namespace('cust-relay');
  const customerIp = lab.pointToPoint(ns, 'eth0', '10.77.1');
  noRoute(ns, TECHNICIAN_IP);
  noRoute(net.techNs, customerIp);

  const { customer } = await liveSession(ns, 'Rosa Relay');
  await withCleanup(async () => {
    const { pair } = await consolePath(net.technician, 'relayed');
    assert.ok([pair.local.candidateType, pair.remote.candidateType].includes('relay'),
      `the selected pair has a relay candidate: ${pair.local.candidateType}/${pair.remote.candidateType}`);
    await framesGrow(net.technician);
    assert.ok(net.coturn.proc.lines.some((l) => /ALLOCATE processed, success/.test(l)), 'coturn allocated the relay');
    await mediaPathPill(net.technician, 'Relayed (TURN)', 'relayed');
    await customer.waitFor(/^link: .*path=relayed/, 10000);
  }, () => endSession(net.technician, customer));
});

test('relay-only: neither side sends a host or server-reflexive candidate, and media flows', async () => {
  // On the bridge: a direct path would work, so only the option keeps it relayed.
  const ns = await lab.namespace('cust-private');
  const customerIp = '10.77.0.21';
  lab.onPublicBridge(ns, 'eth0', customerIp);
  await net.server.admin.setRelayOnly(net.server.tess.email, true);
  const mark = await wireSince(net.technician);
  let customer;
  await withCleanup(async () => {
    ({ customer } = await liveSession(ns, 'Priya Private'));
    const { pair } = await consolePath(net.technician, 'relayed');
    assert.equal(pair.local.candidateType, 'relay');
    assert.equal(pair.remote.candidateType, 'relay');
    await framesGrow(net.technician);

    const wire = await wireSince(net.technician, mark);
    const fromCustomer = [...wire.remoteOffers.flatMap(sdpCandidates), ...wire.receivedCandidates];
    const fromConsole = [...wire.sentAnswers.flatMap(sdpCandidates), ...wire.sentCandidates];
    assert.ok(fromCustomer.length > 0 && fromConsole.length > 0, 'both sides sent candidates');
    for (const c of [...fromCustomer, ...fromConsole]) assert.equal(typeOf(c), 'relay', `only relay candidates: ${c}`);
    // Not even as a relay candidate's related address (raddr).
    const lines = Object.values(wire).flat().flatMap((text) => text.split(/\r?\n/));
    const leaks = (ip) => lines.filter((line) => line.includes(ip));
    assert.deepEqual(leaks(customerIp), [], "the customer's address never reaches the console");
    assert.deepEqual(leaks(TECHNICIAN_IP), [], "the technician's address never reaches the customer");
    await customer.waitFor(/^link: .*path=relayed/, 10000);
  }, async () => {
    await net.server.admin.setRelayOnly(net.server.tess.email, false);
    if (customer) await endSession(net.technician, customer);
  });
});

test('handover: the customer moves to another subnet mid-session and the picture comes back', async () => {
  const ns = await lab.namespace('cust-move');
  const oldIp = lab.pointToPoint(ns, 'eth0', '10.77.5');
  // The second network is there but unused until the move (Wi-Fi → mobile).
  lab.link(lab.public, lab.publicName(ns), '10.77.6.1/24', ns, 'eth1', null);

  const { customer, sessionId } = await liveSession(ns, 'Hana Handover');
  await withCleanup(async () => {
    // Every call state the live panel shows from now on, however briefly.
    await net.technician.page.evaluate(() => {
      window.__callStates = [];
      const note = () => {
        const state = window.lens.callState;
        if (window.__callStates[window.__callStates.length - 1] !== state) window.__callStates.push(state);
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const framesBefore = (await net.technician.receiveStats()).framesDecoded;
    const movedAt = Date.now();
    lab.handover(ns, 'eth0', oldIp, 'eth1', '10.77.6');

    // The console says Reconnecting, then shows new frames on the same call.
    let sawReconnecting = false;
    let resumedMs = null;
    let frozenAt = framesBefore;
    while (Date.now() - movedAt < 25000) {
      const [{ state, seen }, stats] = await Promise.all([
        net.technician.page.evaluate(() => ({ state: window.lens.callState, seen: window.__callStates.slice() })),
        net.technician.receiveStats(),
      ]);
      if (!stats) {
        assert.fail(`the console's call is gone (states seen: ${seen.join(' → ')})\n`
          + `session log: ${(await sessionLog(net.technician, sessionId)).map((e) => e.event).join(', ')}\n`
          + `customer: ${customer.lines.slice(-15).join('\n')}\n${await describeCall(net.technician)}`);
      }
      if (seen.includes('reconnecting')) sawReconnecting = true;
      if (!sawReconnecting) frozenAt = stats.framesDecoded;
      if (sawReconnecting && state !== 'reconnecting' && stats.framesDecoded > frozenAt + 10) {
        resumedMs = Date.now() - movedAt;
        break;
      }
      await sleep(100);
    }
    assert.ok(sawReconnecting, 'the console showed Reconnecting');
    if (resumedMs === null) {
      assert.fail(`media did not resume after the move (frames stuck at ${frozenAt})\n${await describeCall(net.technician)}`);
    }
    console.log(`handover: new frames ${resumedMs} ms after the address change`);

    await customer.waitFor(/^connection: reconnecting/, 1000);
    await customer.waitFor(/^connection: reconnected/, 5000);
    await framesGrow(net.technician);
    assert.equal(await net.technician.page.evaluate(() => window.lens.activeSessionId), sessionId, 'the same session');
    assert.ok(!customer.lines.some((l) => /state: ended/.test(l)), 'the customer never left the session');
    await net.technician.waitForStatus('Hana Handover', 'Active', 5000);

    const events = (await sessionLog(net.technician, sessionId)).map((e) => e.event);
    const reconnecting = events.indexOf('reconnecting');
    assert.ok(reconnecting >= 0 && events.indexOf('reconnected', reconnecting) > reconnecting,
      `the session log records the reconnect: ${events.join(', ')}`);
  }, () => endSession(net.technician, customer));
});
