// The network lab's shared setting for tests/e2e/networks.test.mjs and
// tests/e2e/turn-errors.test.mjs: the public side (lens-server and coturn on 10.77.0.1), the
// technician's Chromium in its own namespace, and the helpers that start, describe and end a
// call. Every address belongs to namespaces the test made (tests/lib/netlab.mjs).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { assertBinariesBuilt } from './lens.mjs';
import { Console } from './console.mjs';
import { Lab, PUBLIC_IP } from './netlab.mjs';
import { startCoturn } from './coturn.mjs';
import { startServerOn, startCustomerIn, openConsoleIn, sessionLog } from './lens-netns.mjs';

export const TECHNICIAN_IP = '10.77.0.2';
// Fixed ports on the public address (it is this file's alone): the technician's Chromium is
// told up front which origins to treat as secure (microphone, real host candidates).
export const PORTS = { main: 8080, wrongSecret: 8081, unreachable: 8082, expired: 8083 };
export const ORIGINS = Object.values(PORTS).map((port) => `http://${PUBLIC_IP}:${port}`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const lab = new Lab();
export const net = { coturn: null, server: null, technician: null, techNs: null };

/** The public side with coturn and lens-server, the technician's namespace and console, in
 * `net` and `lab`; a bench calls it itself, a test file through useNetworkLab. */
export async function setUpNetworkLab() {
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
}

export async function tearDownNetworkLab() {
  await net.technician?.close();
  await net.server?.stop();
  await net.coturn?.stop();
  await lab.close();
}

/** Registers the file's hooks: the lab of setUpNetworkLab. Tests then use `net` and `lab`. */
export function useNetworkLab() {
  before(setUpNetworkLab);
  after(tearDownNetworkLab);
}

/** Keeps every text the console's message area shows in window.__messages (it replaces them). */
export async function recordMessages(technician) {
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

export const consoleMessages = (technician) => technician.page.evaluate(() => window.__messages.slice());

/** A new session joined by the customer in `ns` and started; resolves once frames decode. */
export async function liveSession(ns, name, { technician = net.technician, server = net.server, extraArgs, onStart } = {}) {
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
export async function describeCall(technician) {
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

/** Runs `body`, then `cleanup` whatever happened. When the body failed, a cleanup that fails
 * too (End session is refused once the call is gone) is logged, not thrown: the test reports
 * the body's own failure instead of the cleanup's. */
export async function withCleanup(body, cleanup) {
  let failure = null;
  try {
    return await body();
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    try {
      await cleanup();
    } catch (error) {
      if (!failure) throw error;
      console.log(`cleanup after the failure failed as well: ${error.message.split('\n')[0]}`);
    }
  }
}

export async function endSession(technician, customer) {
  try {
    await technician.end();
    await customer.waitFor(/state: ended/, 10000);
  } finally {
    await customer.stop();
  }
}

/** The console's media path once it is `want` (the live panel checks once a second). */
export async function consolePath(technician, want, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await technician.page.evaluate(() => ({ path: window.lens.mediaPath, pair: window.lens.selectedPair }));
    if (last.path === want) return last;
    await sleep(200);
  }
  throw new Error(`the console's media path never became ${want}: ${JSON.stringify(last)}`);
}

export async function framesGrow(technician) {
  const before = (await technician.receiveStats()).framesDecoded;
  await sleep(1000);
  const after = (await technician.receiveStats()).framesDecoded;
  assert.ok(after > before + 10, `frames decoded keep coming (${before} → ${after})`);
}

export async function mediaPathPill(technician, words, dataPath) {
  const pill = technician.page.getByTestId('media-path');
  await pill.filter({ hasText: words }).waitFor({ timeout: 5000 });
  assert.equal(await pill.getAttribute('data-path'), dataPath);
}

export function noRoute(ns, address) {
  assert.throws(() => ns.ip('route', 'get', address), /unreachable/i, `${ns.name} has no route to ${address}`);
}

/** What went over the wire for the console's calls since `mark` (window.lens' logs). */
export async function wireSince(technician, mark) {
  const now = await technician.page.evaluate(() => ({
    sentCandidates: window.lens.sentCandidates,
    receivedCandidates: window.lens.receivedCandidates,
    remoteOffers: window.lens.remoteOffers,
    sentAnswers: window.lens.sentAnswers,
  }));
  if (!mark) return now;
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v.slice(mark[k].length)]));
}

export const sdpCandidates = (sdp) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));
export const typeOf = (line) => { const w = line.split(/\s+/); return w[w.indexOf('typ') + 1]; };

