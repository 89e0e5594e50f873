// Issue 15's figures (run by `make bench`, not by make test): one desktop customer sends its
// synthetic 1280x720@30 camera and tone; Tess watches in the console, then 2 and then 4
// external collaborators join by PIN on /collaborate (each in a browser context of its own).
// With 1, 3 and 5 technicians it measures, over the same window:
//  * the customer process's CPU (utime + stime, % of a core): the phone encodes once, so the
//    goal is CPU with 5 <= 1.3 x CPU with 1;
//  * the uplink: what all technicians received together (getStats bytesReceived), kbit/s;
//  * the frame rate and picture size at Tess and the lowest at a collaborator;
// and for each collaborator the time from the click on Join to the first picture shown
// (requestVideoFrameCallback on their page).
//
// Run: cd tests && ../tests/netns.sh node bench/collaborators.mjs

import { chromium } from 'playwright-core';
import { startServer, startCustomer, assertBinariesBuilt } from '../lib/lens.mjs';
import { openConsole, receiverCounters, CHROMIUM_ARGS } from '../lib/console.mjs';
import { median } from '../lib/figures.mjs';
import { TICKS_PER_SECOND, cpuTicks } from '../lib/proc.mjs';
import {
  adminAllowsUnlisted, inviteUnlisted, collaboratorCounters, joinByPin,
} from '../lib/collaboration.mjs';

const WINDOW_S = Number(process.env.LENS_BENCH_WINDOW_S || 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One window: the customer's CPU, everybody's bytes and frames, at the start and the end. */
async function measure(pid, tess, collaborators) {
  const read = async () => ({
    ticks: cpuTicks(pid),
    at: process.hrtime.bigint(),
    tess: await receiverCounters(tess.page),
    others: await Promise.all(collaborators.map((c) => collaboratorCounters(c.page))),
  });
  const before = await read();
  await sleep(WINDOW_S * 1000);
  const after = await read();
  const wall = Number(after.at - before.at) / 1e9;
  const fps = (a, b) => (b.frames - a.frames) / wall;
  const others = after.others.map((o, i) => ({
    fps: fps(before.others[i], o), size: `${o.width}x${o.height}`, bytes: o.bytes - before.others[i].bytes,
  }));
  const bytes = (after.tess.bytes - before.tess.bytes) + others.reduce((sum, o) => sum + o.bytes, 0);
  return {
    technicians: 1 + collaborators.length,
    cpuPct: ((after.ticks - before.ticks) / TICKS_PER_SECOND / wall) * 100,
    uplinkKbps: (bytes * 8) / wall / 1000,
    tessFps: fps(before.tess, after.tess),
    tessSize: `${after.tess.width}x${after.tess.height}`,
    lowestOtherFps: others.length ? Math.min(...others.map((o) => o.fps)) : null,
    otherSizes: [...new Set(others.map((o) => o.size))].join(', '),
  };
}

async function main() {
  assertBinariesBuilt();
  const server = await startServer();
  const admin = await adminAllowsUnlisted(server);
  await admin.close();
  const tess = await openConsole(server);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
  });
  const collaborators = [];
  const joins = [];
  let customer;
  try {
    await tess.login(server.tess);
    const name = 'Olga Oven';
    const { pin } = await tess.newSession(name);
    customer = startCustomer(server, pin);
    await customer.waitFor(/state: waiting_for_technician/);
    await tess.start(name);
    // Full quality first: the figures compare 720p30 with 720p30.
    await tess.waitForStats((s) => s.frameHeight >= 720, 60000);
    const pid = customer.child.pid;
    const rows = [await measure(pid, tess, collaborators)];
    for (const target of [3, 5]) {
      while (1 + collaborators.length < target) {
        const who = `Helper ${collaborators.length + 1}`;
        const { pin: invitation, error } = await inviteUnlisted(tess.page, who);
        if (!invitation) throw new Error(`the invitation for ${who} was refused: ${error}`);
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.goto(server.url + '/collaborate');
        const ms = await joinByPin(page, invitation);
        joins.push(ms);
        console.log(`${who}: first picture ${ms.toFixed(0)} ms after the click on Join`);
        collaborators.push({ context, page });
      }
      await customer.waitFor(new RegExp(`watching: ${target} technician`));
      await sleep(5000); // the encoder settles on the new lowest estimate
      rows.push(await measure(pid, tess, collaborators));
    }

    console.log(`\nCollaborating technicians, ${WINDOW_S} s windows, customer pid ${pid}:`);
    console.log('| technicians | customer CPU (% of a core) | x 1 technician | uplink (kbit/s) | Tess | lowest collaborator |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      const other = r.lowestOtherFps === null ? '—' : `${r.lowestOtherFps.toFixed(1)} fps, ${r.otherSizes}`;
      console.log(`| ${r.technicians} | ${r.cpuPct.toFixed(1)} | ${(r.cpuPct / rows[0].cpuPct).toFixed(2)} | ` +
        `${r.uplinkKbps.toFixed(0)} | ${r.tessFps.toFixed(1)} fps, ${r.tessSize} | ${other} |`);
    }
    console.log(`\nclick on Join to first picture: median ${median(joins).toFixed(0)} ms ` +
      `(${joins.map((ms) => ms.toFixed(0)).join(', ')})`);
    const ratio = rows[2].cpuPct / rows[0].cpuPct;
    console.log(`goal CPU(5) <= 1.3 x CPU(1): ${ratio.toFixed(2)} x, ${ratio <= 1.3 ? 'met' : 'NOT met'}`);
  } finally {
    await customer?.stop();
    for (const c of collaborators) await c.context.close();
    await browser.close();
    await tess.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
