// STUN and TURN servers that fail, in the network lab of tests/e2e/networks.test.mjs (each
// case with a lens-server of its own, since the ICE settings are the server's): a wrong
// shared secret, credentials that expired, TURN servers that never answer. The customer's
// app finds out with its own check (engine/src/media/net/turn_check.rs: webrtc-rs only logs
// a failed allocation), the technician reads it in words, the session log keeps it, nobody
// sees the secret, and the call goes on over the direct path.
//
// Run: cd tests && ../tests/netns.sh node --test --test-concurrency=1 e2e/turn-errors.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { PUBLIC_IP } from '../lib/netlab.mjs';
import { startServerOn, sessionLog } from '../lib/lens-netns.mjs';
import { Console } from '../lib/console.mjs';
import { PORTS, TECHNICIAN_IP, consoleMessages, consolePath, endSession, framesGrow, lab, liveSession, net, recordMessages, sleep, useNetworkLab, withCleanup } from '../lib/network-calls.mjs';

useNetworkLab();

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
  await withCleanup(async () => {
    technician = await consoleOn(server);
    const ns = await lab.namespace(`cust-${name.split(' ')[0].toLowerCase()}`);
    const customerIp = `10.77.0.${30 + lab.spaces.length}`;
    lab.onPublicBridge(ns, 'eth0', customerIp);
    prepare?.(ns, customerIp);
    const live = await liveSession(ns, name, { technician, server, onStart });
    customer = live.customer;
    await body({ server, technician, customer, sessionId: live.sessionId, firstFrameMs: live.firstFrameMs });
  }, async () => {
    try {
      if (customer) await endSession(technician, customer);
    } finally {
      await technician?.page.close();
      await server.stop();
    }
  });
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

/**
 * Chromium 14x says nothing when coturn refuses its credentials (no icecandidateerror, not
 * even after the 10 s the console waits for a relay candidate), so the console tells the
 * technician what the customer's app found; it must not then call the same server
 * unreachable (701) as if it had not answered.
 */
async function assertNotCalledUnreachable({ server, technician, sessionId }) {
  await sleep(11000); // past the console's own 10 s wait for a relay candidate
  const entries = (await sessionLog(technician, sessionId)).filter((e) => e.event === 'ice_server_error');
  assert.ok(!entries.some((e) => e.detail.startsWith('The console') && e.detail.includes('701')),
    `the console called a refusing server unreachable: ${JSON.stringify(entries)}`);
  const messages = await consoleMessages(technician);
  assert.ok(!messages.some((m) => m.includes('701')), `the console said 701: ${JSON.stringify(messages)}`);
  assert.ok(server, 'a server of its own');
}

test('a wrong TURN secret: the technician reads the customer app\'s 401, the log keeps it, and the call goes on directly', async () => {
  await withBadServer(PORTS.wrongSecret,
    { stunUrl: net.coturn.stunUrl, turnUrl: net.coturn.turnUrl, secret: 'not-the-secret-coturn-has' },
    'Walter Wrongsecret',
    async (live) => {
      await assertIceErrorTold(live, { code: 401, who: ["The customer's app"] });
      await assertNotCalledUnreachable(live);
      await consolePath(live.technician, 'direct');
      await framesGrow(live.technician);
    },
  );
});

test('an unreachable TURN server neither delays Start nor leaves the session hanging, and both sides say so', async () => {
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

test('expired TURN credentials (1 s): the technician reads the customer app\'s 401, the log keeps it, and the call goes on directly', async () => {
  // Both sides' first TURN requests are lost for 2.5 s (dropped on arrival; STUN retransmits them),
  // so that what reaches coturn carries a credential that expired a second ago.
  const releases = [];
  await withBadServer(PORTS.expired,
    { stunUrl: net.coturn.stunUrl, turnUrl: net.coturn.turnUrl, secret: net.coturn.secret, ttl: 1 },
    'Edgar Expired',
    async (live) => {
      await assertIceErrorTold(live, { code: 401, who: ["The customer's app"] });
      await assertNotCalledUnreachable(live);
      await consolePath(live.technician, 'direct');
      await framesGrow(live.technician);
    },
    {
      prepare: (ns, customerIp) => { releases.push(lab.public.dropIncomingUdp([customerIp, TECHNICIAN_IP], 3478)); },
      onStart: () => setTimeout(() => releases.forEach((release) => release()), 2500),
    },
  ).finally(() => releases.forEach((release) => release()));
});
