// `make demo`: the whole path headless — server, technician console in Chromium, desktop
// customer — and the figures it measured:
//  * time from the technician's Start click to the first decoded frame in Chromium
//    (median of RUNS sessions), and
//  * the customer process's CPU share and peak RSS while streaming 640x480 at 30 fps.
// Run inside a loopback-only network namespace (the Makefile does).

import { readFileSync } from 'node:fs';
import { startServer, startCustomer, assertBinariesBuilt } from '../lib/lens.mjs';
import { openConsole } from '../lib/console.mjs';

const RUNS = Number(process.env.LENS_DEMO_RUNS || 10);
const STREAM_SECONDS = Number(process.env.LENS_DEMO_SECONDS || 20);
const TICKS = 100; // USER_HZ on Linux

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function peakRssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Number(m[1]);
}

/** Clicks Start inside the page and polls getStats until a frame is decoded. */
async function startToFirstFrame(technician, customerName) {
  const row = technician.row(customerName);
  await row.getByTestId('session-start').waitFor();
  return technician.page.evaluate(async (name) => {
    const rows = [...document.querySelectorAll('[data-testid=session-row]')];
    const row = rows.find((r) => r.innerText.includes(name));
    const t0 = performance.now();
    row.querySelector('[data-testid=session-start]').click();
    for (;;) {
      const pc = window.lens && window.lens.pc;
      if (pc) {
        const stats = await pc.getStats();
        let decoded = 0;
        stats.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') decoded = r.framesDecoded || 0; });
        if (decoded > 0) return performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 5));
      if (performance.now() - t0 > 30000) throw new Error('no frame within 30 s');
    }
  }, customerName);
}

assertBinariesBuilt();
const server = await startServer();
const technician = await openConsole(server);
await technician.login(server.tess);

const firstFrameMs = [];
let cpuShare = null, rssMb = null;
for (let run = 1; run <= RUNS; run++) {
  const name = `Demo Customer ${run}`;
  const { pin } = await technician.newSession(name);
  const customer = startCustomer(server, pin);
  try {
    await customer.waitFor(/state: waiting_for_technician/);
    await technician.waitForStatus(name, 'Waiting');
    const ms = await startToFirstFrame(technician, name);
    firstFrameMs.push(ms);
    console.log(`run ${run}: Start → first decoded frame ${ms.toFixed(0)} ms`);
    if (run === RUNS) {
      // Let the encoder settle, then measure a steady stretch of streaming.
      await new Promise((r) => setTimeout(r, 2000));
      const pid = customer.child.pid;
      const t0 = process.hrtime.bigint(), c0 = cpuTicks(pid);
      await new Promise((r) => setTimeout(r, STREAM_SECONDS * 1000));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      cpuShare = (cpuTicks(pid) - c0) / TICKS / seconds;
      rssMb = peakRssKb(pid) / 1024;
      const stats = await technician.receiveStats();
      console.log(`receiver: ${stats.frameWidth}x${stats.frameHeight} ${stats.videoCodec}, ${stats.framesDecoded} frames decoded`);
      await technician.screenshot('demo-console-live.png');
    }
    await technician.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
}
await technician.close();
await server.stop();

console.log('');
console.log(`Start click → first decoded frame in Chromium: median ${median(firstFrameMs).toFixed(0)} ms ` +
  `(min ${Math.min(...firstFrameMs).toFixed(0)}, max ${Math.max(...firstFrameMs).toFixed(0)}, n=${firstFrameMs.length})`);
console.log(`customer process streaming 640x480@30 + Opus for ${STREAM_SECONDS} s: ` +
  `CPU ${(cpuShare * 100).toFixed(1)} % of one core, peak RSS ${rssMb.toFixed(1)} MB`);
