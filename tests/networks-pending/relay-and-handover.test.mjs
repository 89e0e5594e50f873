// NOT PART OF `make test`: these six tests fail on the current engine (issue 14 stays open).
// What fails and why (each traced to webrtc-rs 0.21 or the engine, see the issue-14 note):
// trickled candidates may carry the mid of a non-first m-line, which Chromium ignores under
// BUNDLE (relay, relay-only); the customer's relay candidate carries its own address as raddr
// (relay-only leaks it); LinkStats.path stays unknown (the engine finds no selected pair in
// webrtc-rs's stats); webrtc-rs does not report TURN allocation failures through
// on_ice_candidate_error (the customer never tells the technician); an ICE restart after a
// handover gathers no candidate on the new address. Run them by hand with
//   cd tests && ../tests/netns.sh node --test --test-concurrency=1 networks-pending/
// and move each into e2e/networks.test.mjs as it passes.
//
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
// Run: cd tests && ../tests/netns.sh node --test --test-concurrency=1 networks-pending/relay-and-handover.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { assertBinariesBuilt } from '../lib/lens.mjs';
import { Console } from '../lib/console.mjs';
import { Lab, PUBLIC_IP } from '../lib/netlab.mjs';
import { startCoturn } from '../lib/coturn.mjs';
import { startServerOn, startCustomerIn, openConsoleIn, sessionLog } from '../lib/lens-netns.mjs';

const TECHNICIAN_IP = '10.77.0.2';
// Fixed ports on the public address (it is this file's alone): the technician's Chromium is
// told up front which origins to treat as secure (microphone, real host candidates).
const PORTS = { main: 8080, wrongSecret: 8081, unreachable: 8082, expired: 8083 };
const ORIGINS = Object.values(PORTS).map((port) => `http://${PUBLIC_IP}:${port}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const lab = new Lab();
const net = { coturn: null, server: null, technician: null, techNs: null };

before(async () => {
  assertBinariesBuilt();
  lab.publicSide();
  net.techNs = await lab.namespace('technician');
  lab.onPublicBridge(net.techNs, 'eth0', TECHNICIAN_IP);
  net.coturn = await startCoturn(lab.public, PUBLIC_IP);
  net.server = await startServerOn(PUBLIC_IP, {
    port: PORTS.main,
    ice: { stunUrl: net.coturn.stunUrl, turnUrl: net.coturn.turnUrl, secret: net.coturn.secret },
  });
  net.technician = await openConsoleIn(net.techNs, net.server, ORIGINS);
  await net.technician.login(net.server.tess);
  await recordMessages(net.technician);
});

after(async () => {
  await net.technician?.close();
  await net.server?.stop();
  await net.coturn?.stop();
  await lab.close();
});

/** Keeps every text the console's message area shows in window.__messages (it replaces them). */
async function recordMessages(technician) {
  // The page's own console too, for the failure messages below.
  technician.pageLog = [];
  technician.page.on('console', (m) => technician.pageLog.push(`${m.type()}: ${m.text()}`));
  await technician.page.evaluate(() => {
    window.__messages = [];
    const box = document.querySelector('[data-testid="message"]');
    new MutationObserver(() => { if (box.textContent) window.__messages.push(box.textContent); })
      .observe(box, { childList: true, characterData: true, subtree: true });
  });
}

const consoleMessages = (technician) => technician.page.evaluate(() => window.__messages.slice());

/** A new session joined by the customer in `ns` and started; resolves once frames decode. */
async function liveSession(ns, name, { technician = net.technician, server = net.server, extraArgs, onStart } = {}) {
  const { pin } = await technician.newSession(name);
  const customer = startCustomerIn(ns, server, pin, { extraArgs });
  try {
    await technician.waitForStatus(name, 'Waiting');
    const startedAt = Date.now();
    await technician.start(name);
    onStart?.();
    await customer.waitFor(/state: live/);
    await technician.waitForStats((s) => s.framesDecoded >= 1);
    const firstFrameMs = Date.now() - startedAt;
    console.log(`${name}: Start → first decoded frame ${firstFrameMs} ms`);
    await technician.waitForStats((s) => s.framesDecoded >= 15);
    const sessionId = await technician.page.evaluate(() => window.lens.activeSessionId);
    return { customer, sessionId, firstFrameMs };
  } catch (error) {
    await customer.stop();
    error.message += `\n${await describeCall(technician)}`;
    throw error;
  }
}

/** What the console's call looks like, for a failure's message: its state, the candidates
 * both ways, the remote description, getStats' candidates and the page's console. */
async function describeCall(technician) {
  const call = await technician.page.evaluate(async () => {
    const pc = window.lens.pc;
    const candidates = [];
    if (pc) (await pc.getStats()).forEach((r) => { if (/candidate/.test(r.type)) candidates.push(r); });
    return {
      callState: window.lens.callState, offers: window.lens.remoteOffers.length,
      answers: window.lens.sentAnswers.length, received: window.lens.receivedCandidates.slice(-8),
      sent: window.lens.sentCandidates.slice(-8), iceErrors: window.lens.iceErrors,
      pc: pc && { signaling: pc.signalingState, ice: pc.iceConnectionState, remote: (pc.remoteDescription || {}).sdp },
      candidates,
    };
  }).catch((error) => `(no call: ${error.message})`);
  return `console call: ${JSON.stringify(call)}\npage log: ${(technician.pageLog || []).join('\n')}`;
}

async function endSession(technician, customer) {
  try {
    await technician.end();
    await customer.waitFor(/state: ended/, 10000);
  } finally {
    await customer.stop();
  }
}

/** The console's media path once it is `want` (the live panel checks once a second). */
async function consolePath(technician, want, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await technician.page.evaluate(() => ({ path: window.lens.mediaPath, pair: window.lens.selectedPair }));
    if (last.path === want) return last;
    await sleep(200);
  }
  throw new Error(`the console's media path never became ${want}: ${JSON.stringify(last)}`);
}

async function framesGrow(technician) {
  const before = (await technician.receiveStats()).framesDecoded;
  await sleep(1000);
  const after = (await technician.receiveStats()).framesDecoded;
  assert.ok(after > before + 10, `frames decoded keep coming (${before} → ${after})`);
}

async function mediaPathPill(technician, words, dataPath) {
  const pill = technician.page.getByTestId('media-path');
  await pill.filter({ hasText: words }).waitFor({ timeout: 5000 });
  assert.equal(await pill.getAttribute('data-path'), dataPath);
}

function noRoute(ns, address) {
  assert.throws(() => ns.ip('route', 'get', address), /unreachable/i, `${ns.name} has no route to ${address}`);
}

/** What went over the wire for the console's calls since `mark` (window.lens' logs). */
async function wireSince(technician, mark) {
  const now = await technician.page.evaluate(() => ({
    sentCandidates: window.lens.sentCandidates,
    receivedCandidates: window.lens.receivedCandidates,
    remoteOffers: window.lens.remoteOffers,
    sentAnswers: window.lens.sentAnswers,
  }));
  if (!mark) return now;
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v.slice(mark[k].length)]));
}

const sdpCandidates = (sdp) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));
const typeOf = (line) => { const w = line.split(/\s+/); return w[w.indexOf('typ') + 1]; };

test('no route between customer and technician: media flows through coturn', async () => {
  const ns = await lab.namespace('cust-relay');
  const customerIp = lab.pointToPoint(ns, 'eth0', '10.77.1');
  noRoute(ns, TECHNICIAN_IP);
  noRoute(net.techNs, customerIp);

  const { customer } = await liveSession(ns, 'Rosa Relay');
  try {
    const { pair } = await consolePath(net.technician, 'relayed');
    assert.ok([pair.local.candidateType, pair.remote.candidateType].includes('relay'),
      `the selected pair has a relay candidate: ${pair.local.candidateType}/${pair.remote.candidateType}`);
    await framesGrow(net.technician);
    assert.ok(net.coturn.proc.lines.some((l) => /ALLOCATE processed, success/.test(l)), 'coturn allocated the relay');
    await mediaPathPill(net.technician, 'Relayed (TURN)', 'relayed');
    await customer.waitFor(/^link: .*path=relayed/, 10000);
  } finally {
    await endSession(net.technician, customer);
  }
});

test('relay-only: neither side sends a host or server-reflexive candidate, and media flows', async () => {
  // On the bridge: a direct path would work, so only the option keeps it relayed.
  const ns = await lab.namespace('cust-private');
  const customerIp = '10.77.0.21';
  lab.onPublicBridge(ns, 'eth0', customerIp);
  await net.server.admin.setRelayOnly(net.server.tess.email, true);
  const mark = await wireSince(net.technician);
  let customer;
  try {
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
  } finally {
    await net.server.admin.setRelayOnly(net.server.tess.email, false);
    if (customer) await endSession(net.technician, customer);
  }
});

test('handover: the customer moves to another subnet mid-session and the picture comes back', async () => {
  const ns = await lab.namespace('cust-move');
  const oldIp = lab.pointToPoint(ns, 'eth0', '10.77.5');
  // The second network is there but unused until the move (Wi-Fi → mobile).
  lab.link(lab.public, lab.publicName(ns), '10.77.6.1/24', ns, 'eth1', null);

  const { customer, sessionId } = await liveSession(ns, 'Hana Handover');
  try {
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
  } finally {
    await endSession(net.technician, customer);
  }
});

// ---- bad input: each case gets a server of its own (the ICE settings are the server's) ----

/** A console page of the same Chromium, signed in to `server`; closed with `page.close()`. */
async function consoleOn(server) {
  const context = net.technician.context;
  await context.grantPermissions(['microphone', 'clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  await page.goto(server.url + '/');
  const technician = new Console(context, page, server);
  await technician.login(server.tess);
  await recordMessages(technician);
  return technician;
}

/** A server with `ice`, its console and a bridge customer, run through `body`. */
async function withBadServer(port, ice, name, body, { prepare, onStart } = {}) {
  const server = await startServerOn(PUBLIC_IP, { port, ice });
  let technician;
  let customer;
  try {
    technician = await consoleOn(server);
    const ns = await lab.namespace(`cust-${name.split(' ')[0].toLowerCase()}`);
    const customerIp = `10.77.0.${30 + lab.spaces.length}`;
    lab.onPublicBridge(ns, 'eth0', customerIp);
    prepare?.(ns, customerIp);
    const live = await liveSession(ns, name, { technician, server, onStart });
    customer = live.customer;
    await body({ server, technician, customer, sessionId: live.sessionId, firstFrameMs: live.firstFrameMs });
  } finally {
    if (customer) await endSession(technician, customer);
    await technician?.page.close();
    await server.stop();
  }
}

/** The log's STUN/TURN failures, and the console's and customer's words for them. */
async function assertIceErrorTold({ server, technician, customer, sessionId }, { code, who, timeout = 20000 }) {
  const deadline = Date.now() + timeout;
  let entries = [];
  while (Date.now() < deadline) {
    entries = (await sessionLog(technician, sessionId)).filter((e) => e.event === 'ice_server_error');
    if (who.every((w) => entries.some((e) => e.detail.startsWith(w) && e.detail.includes(String(code))))) break;
    await sleep(250);
  }
  for (const w of who) {
    assert.ok(entries.some((e) => e.detail.startsWith(w) && e.detail.includes(String(code))),
      `the session log says ${w} failed with ${code}: ${JSON.stringify(entries)}`);
  }
  const messages = await consoleMessages(technician);
  assert.ok(messages.some((m) => /relay server/i.test(m) && m.includes(String(code))),
    `the console told the technician: ${JSON.stringify(messages)}`);
  // The customer's app logs it (its screen does not: the customer cannot act on it).
  await customer.waitFor(new RegExp(`a STUN or TURN server failed.*code=${code}`), 5000);
  // Never the shared secret in anything written.
  const secret = net.coturn.secret;
  for (const text of [...messages, ...entries.map((e) => e.detail), ...customer.lines, ...server.proc.lines]) {
    assert.ok(!text.includes(secret), `the TURN secret leaked: ${text}`);
  }
}

test('a wrong TURN secret: both sides and the log say so, and the call goes on directly', async () => {
  await withBadServer(PORTS.wrongSecret,
    { stunUrl: net.coturn.stunUrl, turnUrl: net.coturn.turnUrl, secret: 'not-the-secret-coturn-has' },
    'Walter Wrongsecret',
    async (live) => {
      await assertIceErrorTold(live, { code: 401, who: ["The customer's app", 'The console'] });
      await consolePath(live.technician, 'direct');
      await framesGrow(live.technician);
    },
  );
});

test('an unreachable TURN server neither delays Start nor leaves the session hanging', async () => {
  // Two ways to be unreachable: an address nobody routes to (10.77.9.1 on a namespace of
  // its own, linked to nothing) and a port on the public side that swallows every packet.
  // Chromium reports a silent TURN server only after ~40 s; the console says so itself after
  // 10 s without a relay candidate.
  const island = await lab.namespace('island');
  island.ip('addr', 'add', '10.77.9.1/32', 'dev', 'lo');
  const sink = createSocket('udp4');
  await new Promise((ok) => sink.bind(3479, PUBLIC_IP, ok));
  try {
    await withBadServer(PORTS.unreachable,
      { turnUrl: 'turn:10.77.9.1:3478?transport=udp,turn:10.77.0.1:3479?transport=udp', secret: net.coturn.secret },
      'Ursula Unreachable',
      async (live) => {
        assert.ok(live.firstFrameMs < 3000, `Start → first frame ${live.firstFrameMs} ms despite the dead TURN servers`);
        await assertIceErrorTold(live, { code: 701, who: ["The customer's app", 'The console'], timeout: 30000 });
        await consolePath(live.technician, 'direct');
        await framesGrow(live.technician);
      },
    );
  } finally {
    sink.close();
  }
});

test('expired TURN credentials (1 s): told on both sides and in the log, the call goes on directly', async () => {
  // Both sides' first TURN requests are lost for 2.5 s (dropped on arrival; STUN retransmits them),
  // so that what reaches coturn carries a credential that expired a second ago.
  const releases = [];
  await withBadServer(PORTS.expired,
    { stunUrl: net.coturn.stunUrl, turnUrl: net.coturn.turnUrl, secret: net.coturn.secret, ttl: 1 },
    'Edgar Expired',
    async (live) => {
      await assertIceErrorTold(live, { code: 401, who: ["The customer's app", 'The console'] });
      await consolePath(live.technician, 'direct');
      await framesGrow(live.technician);
    },
    {
      prepare: (ns, customerIp) => { releases.push(lab.public.dropIncomingUdp([customerIp, TECHNICIAN_IP], 3478)); },
      onStart: () => setTimeout(() => releases.forEach((release) => release()), 2500),
    },
  ).finally(() => releases.forEach((release) => release()));
});
