// The network figures of issue 14, medians from one invocation (run by hand, not by make test):
//  * Start click → first decoded frame in the technician's Chromium, on loopback with trickle
//    ICE (median of 10) and through coturn between namespaces that have no route to each
//    other (median of 10);
//  * handover: the customer's address removed and one on another subnet added → the first
//    frame decoded after the gap (median of 5, in one relayed session);
//  * coturn's CPU for one relayed session over 30 s (with the size and rate Chromium decoded).
//
// Run: cd tests && ../tests/netns.sh node bench/networks.mjs
// (LENS_BENCH_RUNS, LENS_BENCH_HANDOVERS, LENS_BENCH_SECONDS change the counts.)

import { startServer, startCustomer, assertBinariesBuilt } from '../lib/lens.mjs';
import { openConsole } from '../lib/console.mjs';
import { startToFirstFrame } from '../lib/first-frame.mjs';
import { median } from '../lib/figures.mjs';
import { withWaitingCustomer } from '../lib/waiting-customer.mjs';
import { Lab, PUBLIC_IP } from '../lib/netlab.mjs';
import { startCoturn } from '../lib/coturn.mjs';
import { startServerOn, startCustomerIn, openConsoleIn } from '../lib/lens-netns.mjs';

const RUNS = Number(process.env.LENS_BENCH_RUNS || 10);
const HANDOVERS = Number(process.env.LENS_BENCH_HANDOVERS || 5);
const SECONDS = Number(process.env.LENS_BENCH_SECONDS || 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const summary = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, ` +
  `max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;

/** `RUNS` sessions: Start → first frame each; `keepLast(customer)` runs before the last ends. */
async function firstFrames(label, technician, join, keepLast) {
  const times = [];
  for (let run = 1; run <= RUNS; run++) {
    const name = `${label} ${run}`;
    await withWaitingCustomer({ technician, name, join }, async (customer) => {
      const ms = await startToFirstFrame(technician, name);
      times.push(ms);
      console.log(`${label} run ${run}: Start → first decoded frame ${ms.toFixed(0)} ms`);
      if (run === RUNS && keepLast) await keepLast(customer);
    });
  }
  return times;
}

/**
 * Records in the page when each video frame is decoded (5 ms polls) from now on; the
 * returned function stops it and gives the times (performance.now() ms) of the increments.
 */
async function watchFrames(technician) {
  await technician.page.evaluate(() => {
    const watch = { stop: false, times: [], last: null };
    window.__frameWatch = watch;
    (async () => {
      while (!watch.stop) {
        const pc = window.lens.pc;
        if (pc) {
          let decoded = 0;
          (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') decoded = r.framesDecoded || 0; });
          if (watch.last !== null && decoded > watch.last) watch.times.push(performance.now());
          watch.last = decoded;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  });
}

/** Address change → first frame after the longest gap that followed it, in ms. */
async function handoverOnce(lab, technician, ns, from, to) {
  await watchFrames(technician);
  await sleep(500);
  const changedAt = await technician.page.evaluate(() => performance.now());
  lab.handover(ns, from.ifName, from.ip, to.ifName, to.subnet);
  const deadline = Date.now() + 40000;
  let result = null;
  while (Date.now() < deadline && !result) {
    await sleep(250);
    result = await technician.page.evaluate((t0) => {
      const times = window.__frameWatch.times.filter((t) => t > t0);
      // Resumed: 30 frames after the gap, nothing missing for the last second.
      if (times.length < 30 || performance.now() - times[times.length - 1] > 1000) return null;
      let gapEnd = 0;
      let longest = 0;
      let previous = t0;
      for (let i = 0; i < times.length; i++) {
        if (times[i] - previous > longest) { longest = times[i] - previous; gapEnd = i; }
        previous = times[i];
      }
      if (times.length - gapEnd < 30) return null;
      window.__frameWatch.stop = true;
      return { ms: times[gapEnd] - t0, gapMs: longest };
    }, changedAt);
  }
  if (!result) throw new Error('no frames after the handover within 40 s');
  return result;
}

assertBinariesBuilt();
const lines = [];

// 1. Loopback, as make demo measures it, but with this build's trickle ICE.
{
  const server = await startServer();
  const technician = await openConsole(server);
  try {
    await technician.login(server.tess);
    const times = await firstFrames('loopback', technician, (pin) => startCustomer(server, pin));
    lines.push(`Start → first decoded frame, loopback, trickle ICE: ${summary(times)}`);
  } finally {
    await technician.close();
    await server.stop();
  }
}

// 2 and 3. Namespaces joined only to the public side (no forwarding): relayed by coturn.
const lab = new Lab();
let coturn;
let server;
let technician;
try {
  lab.publicSide();
  const techNs = await lab.namespace('technician');
  lab.onPublicBridge(techNs, 'eth0', '10.77.0.2');
  coturn = await startCoturn(lab.public, PUBLIC_IP);
  server = await startServerOn(PUBLIC_IP, {
    ice: { stunUrl: coturn.stunUrl, turnUrl: coturn.turnUrl, secret: coturn.secret },
  });
  technician = await openConsoleIn(techNs, server);
  await technician.login(server.tess);
  const customerNs = await lab.namespace('customer');
  lab.pointToPoint(customerNs, 'eth0', '10.77.1');

  let turnLoad = null;
  const times = await firstFrames('relayed', technician, (pin) => startCustomerIn(customerNs, server, pin), async () => {
    // The path is read once a second: wait for the first reading after the first frame.
    await technician.waitForMediaPath('relayed', 5000);
    await sleep(3000); // past the start of the ladder
    const before = await technician.receiveStats();
    const bytes0 = await receivedBytes(technician);
    const cpu0 = coturn.cpuSeconds();
    const t0 = Date.now();
    await sleep(SECONDS * 1000);
    const seconds = (Date.now() - t0) / 1000;
    const after = await technician.receiveStats();
    turnLoad = {
      seconds,
      cpu: (coturn.cpuSeconds() - cpu0) / seconds,
      size: `${after.frameWidth}x${after.frameHeight}`,
      fps: (after.framesDecoded - before.framesDecoded) / seconds,
      kbps: ((await receivedBytes(technician)) - bytes0) * 8 / 1000 / seconds,
    };
  });
  lines.push(`Start → first decoded frame, through the TURN relay: ${summary(times)}`);
  lines.push(`coturn CPU for one relayed session (${turnLoad.size}@${turnLoad.fps.toFixed(0)}, ` +
    `${turnLoad.kbps.toFixed(0)} kbit/s received by the console, ${turnLoad.seconds.toFixed(0)} s): ` +
    `${(turnLoad.cpu * 100).toFixed(2)} % of one core`);

  // Handover: one relayed session moved between two subnets, back and forth.
  const movingNs = await lab.namespace('moving');
  const a = { ifName: 'eth0', ip: lab.pointToPoint(movingNs, 'eth0', '10.77.5'), subnet: '10.77.5' };
  lab.link(lab.public, lab.publicName(movingNs), '10.77.6.1/24', movingNs, 'eth1', null);
  const b = { ifName: 'eth1', ip: '10.77.6.2', subnet: '10.77.6' };
  const { pin } = await technician.newSession('Moving Customer');
  const customer = startCustomerIn(movingNs, server, pin);
  try {
    await technician.waitForStatus('Moving Customer', 'Waiting');
    await startToFirstFrame(technician, 'Moving Customer');
    await technician.waitForStats((s) => s.framesDecoded >= 60);
    const handovers = [];
    try {
      for (let i = 0; i < HANDOVERS; i++) {
        const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
        const { ms, gapMs } = await handoverOnce(lab, technician, movingNs, from, to);
        handovers.push(ms);
        console.log(`handover ${i + 1} (${from.subnet} → ${to.subnet}): first new frame ${ms.toFixed(0)} ms ` +
          `after the change (longest gap ${gapMs.toFixed(0)} ms)`);
        await sleep(2000);
      }
      lines.push(`handover (address change → first new decoded frame): ${summary(handovers)}`);
    } catch (error) {
      // A figure that could not be measured is said so, next to the ones that were.
      lines.push(`handover: not measured after ${handovers.length} of ${HANDOVERS}: ${error.message}`);
    }
    await technician.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
} finally {
  await technician?.close();
  await server?.stop();
  await coturn?.stop();
  await lab.close();
}

async function receivedBytes(t) {
  return t.page.evaluate(async () => {
    let bytes = 0;
    (await window.lens.pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp') bytes += r.bytesReceived || 0; });
    return bytes;
  });
}

console.log('');
for (const line of lines) console.log(line);
