// Issue 17's hour live (run by hand, not by make test): one desktop customer streams its
// synthetic 1280x720@30 camera and tone to the technician's console in Chromium for
// LENS_BENCH_MINUTES (60) minutes. Every minute it samples:
//  * the customer process: RSS (VmRSS) and CPU (utime + stime over the minute, % of a core),
//    threads and open descriptors;
//  * the console's receiver (getStats): decoded frames per second, the picture size,
//    Chromium's own freeze count and freeze time, and the share of audio samples played
//    from packets rather than concealed.
// At the end it prints the table and a verdict (RSS growth after the first minute, longest
// freeze, audio share), writes tests/artifacts/hour.csv and draws tests/artifacts/hour.png
// (an SVG chart rendered by the same Chromium).
//
// Run: cd tests && ../tests/netns.sh node bench/hour.mjs

import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, startCustomer, assertBinariesBuilt, ARTIFACTS } from '../lib/lens.mjs';
import { openConsole, watchPictureGaps, receiverCounters } from '../lib/console.mjs';
import { chart } from './chart.mjs';
import { median } from '../lib/figures.mjs';
import { TICKS_PER_SECOND, cpuTicks } from '../lib/proc.mjs';

const MINUTES = Number(process.env.LENS_BENCH_MINUTES || 60);
const SAMPLE_MS = Number(process.env.LENS_BENCH_SAMPLE_MS || 60000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What /proc says about the customer process now. */
function processSample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(status.match(new RegExp(`${name}:\\s+(\\d+) kB`))[1]);
  return {
    ticks: cpuTicks(pid),
    rssMb: kb('VmRSS') / 1024,
    threads: Number(status.match(/Threads:\s+(\d+)/)[1]),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

async function main() {
  assertBinariesBuilt();
  const server = await startServer();
  const technician = await openConsole(server);
  const name = 'Hour Customer';
  let customer;
  try {
    await technician.login(server.tess);
    const { pin } = await technician.newSession(name);
    customer = startCustomer(server, pin);
    await customer.waitFor(/state: waiting_for_technician/);
    await technician.start(name);
    await technician.waitForStats((s) => s.framesDecoded > 30, 30000);
    const pid = customer.child.pid;
    const longestGap = await watchPictureGaps(technician.page);
    console.log(`hour bench: ${MINUTES} samples of ${SAMPLE_MS / 1000} s, customer pid ${pid}`);

    const rows = [];
    let proc = processSample(pid);
    let recv = await receiverCounters(technician.page);
    let t = process.hrtime.bigint();
    await longestGap();
    for (let minute = 1; minute <= MINUTES; minute++) {
      await sleep(SAMPLE_MS);
      const now = process.hrtime.bigint();
      const wall = Number(now - t) / 1e9;
      const p = processSample(pid);
      const r = await receiverCounters(technician.page);
      const samples = r.samples - recv.samples;
      const row = {
        minute,
        rssMb: p.rssMb,
        cpuPct: ((p.ticks - proc.ticks) / TICKS_PER_SECOND / wall) * 100,
        threads: p.threads,
        fds: p.fds,
        fps: (r.frames - recv.frames) / wall,
        size: `${r.width}x${r.height}`,
        freezes: r.freezes - recv.freezes,
        freezeS: r.freezeS - recv.freezeS,
        longestGapMs: await longestGap(),
        audioPlayedPct: samples > 0 ? (1 - (r.concealed - recv.concealed) / samples) * 100 : 0,
      };
      rows.push(row);
      console.log(
        `minute ${minute}: customer RSS ${row.rssMb.toFixed(1)} MB, CPU ${row.cpuPct.toFixed(1)} %, ` +
        `${row.threads} threads, ${row.fds} fds; console ${row.fps.toFixed(1)} fps ${row.size}, ` +
        `${row.freezes} freezes (${row.freezeS.toFixed(2)} s), longest gap ${row.longestGapMs.toFixed(0)} ms, ` +
        `audio played ${row.audioPlayedPct.toFixed(2)} %`,
      );
      proc = p;
      recv = r;
      t = now;
    }
    report(rows);
    await writePlot(technician.context, rows);
  } finally {
    if (customer) await customer.stop();
    await technician.close();
    await server.stop();
  }
}

function report(rows) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const peak = Math.max(...rows.map((r) => r.rssMb));
  console.log('');
  console.log(`RSS after minute 1: ${first.rssMb.toFixed(1)} MB; at the end: ${last.rssMb.toFixed(1)} MB ` +
    `(growth ${(last.rssMb - first.rssMb).toFixed(1)} MB, peak ${peak.toFixed(1)} MB)`);
  console.log(`CPU: median ${median(rows.map((r) => r.cpuPct)).toFixed(1)} % of a core ` +
    `(first ${first.cpuPct.toFixed(1)}, last ${last.cpuPct.toFixed(1)})`);
  console.log(`threads ${first.threads} → ${last.threads}, descriptors ${first.fds} → ${last.fds}`);
  console.log(`console: median ${median(rows.map((r) => r.fps)).toFixed(1)} fps, lowest minute ` +
    `${Math.min(...rows.map((r) => r.fps)).toFixed(1)} fps; sizes ${[...new Set(rows.map((r) => r.size))].join(', ')}`);
  console.log(`freezes (Chromium's count): ${rows.reduce((s, r) => s + r.freezes, 0)}, ` +
    `${rows.reduce((s, r) => s + r.freezeS, 0).toFixed(2)} s in all; longest gap between pictures ` +
    `${Math.max(...rows.map((r) => r.longestGapMs)).toFixed(0)} ms`);
  console.log(`audio played from packets: lowest minute ${Math.min(...rows.map((r) => r.audioPlayedPct)).toFixed(2)} %`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const header = Object.keys(first).join(',');
  const lines = rows.map((r) => Object.values(r).map((v) => (typeof v === 'number' ? +v.toFixed(3) : v)).join(','));
  writeFileSync(join(ARTIFACTS, 'hour.csv'), [header, ...lines].join('\n') + '\n');
  console.log(`wrote ${join(ARTIFACTS, 'hour.csv')}`);
}

async function writePlot(context, rows) {
  const svg = chart({
    title: `Lens customer, 720p30 to the console, ${rows.length} min`,
    x: rows.map((r) => r.minute),
    xLabel: 'minute',
    panels: [
      { label: 'customer RSS (MB)', values: rows.map((r) => r.rssMb), color: '#1f6feb' },
      { label: 'customer CPU (% of a core)', values: rows.map((r) => r.cpuPct), color: '#d1242f' },
      { label: 'console decoded fps', values: rows.map((r) => r.fps), color: '#1a7f37' },
    ],
  });
  writeFileSync(join(ARTIFACTS, 'hour.svg'), svg);
  const page = await context.newPage();
  await page.setViewportSize({ width: 900, height: 720 });
  await page.setContent(`<body style="margin:0">${svg}</body>`);
  await page.locator('svg').screenshot({ path: join(ARTIFACTS, 'hour.png') });
  await page.close();
  console.log(`wrote ${join(ARTIFACTS, 'hour.png')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
