// `make demo`: the whole path headless — server, technician console in Chromium, desktop
// customer — and the figures it measured:
//  * time from the technician's Start click to the first decoded frame in Chromium
//    (median of RUNS sessions), and
//  * the customer process's CPU share and peak RSS while streaming, labelled with the size,
//    frame rate and codecs Chromium measured over that same stretch (the customer picks its
//    own size and rate, so a constant here would soon say something else).
// Run inside a loopback-only network namespace (the Makefile does).

import { readFileSync } from 'node:fs';
import { startServer, assertBinariesBuilt } from '../lib/lens.mjs';
import { openConsole } from '../lib/console.mjs';
import { startToFirstFrame } from '../lib/first-frame.mjs';
import { median } from '../lib/figures.mjs';
import { withWaitingCustomer } from '../lib/waiting-customer.mjs';

const RUNS = Number(process.env.LENS_DEMO_RUNS || 10);
const STREAM_SECONDS = Number(process.env.LENS_DEMO_SECONDS || 20);
const TICKS = 100; // USER_HZ on Linux


/** "video/H264" → "H264": the codec Chromium says it decoded. */
const codecName = (mimeType) => (mimeType ? mimeType.split('/')[1] : 'no codec');

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function peakRssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return Number(m[1]);
}

assertBinariesBuilt();
const server = await startServer();
const technician = await openConsole(server);
await technician.login(server.tess);

const firstFrameMs = [];
let streamed = null; // what was measured over the steady stretch, with its labels
for (let run = 1; run <= RUNS; run++) {
  const name = `Demo Customer ${run}`;
  await withWaitingCustomer({ server, technician, name }, async (customer) => {
    const ms = await startToFirstFrame(technician, name);
    firstFrameMs.push(ms);
    console.log(`run ${run}: Start → first decoded frame ${ms.toFixed(0)} ms`);
    if (run === RUNS) {
      // Let the encoder settle, then measure a steady stretch of streaming.
      await new Promise((r) => setTimeout(r, 2000));
      const pid = customer.child.pid;
      const before = await technician.receiveStats();
      const t0 = process.hrtime.bigint(), c0 = cpuTicks(pid);
      await new Promise((r) => setTimeout(r, STREAM_SECONDS * 1000));
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpuShare = (cpuTicks(pid) - c0) / TICKS / seconds;
      const stats = await technician.receiveStats();
      const size = (s) => `${s.frameWidth}x${s.frameHeight}`;
      streamed = {
        seconds,
        cpuShare,
        rssMb: peakRssKb(pid) / 1024,
        // A size change inside the stretch (the ladder stepped) shows as both sizes.
        size: size(before) === size(stats) ? size(stats) : `${size(before)}→${size(stats)}`,
        fps: (stats.framesDecoded - before.framesDecoded) / seconds,
        video: codecName(stats.videoCodec),
        audio: codecName(stats.audioCodec),
      };
      console.log(`receiver: ${size(stats)} ${stats.videoCodec}, ${stats.framesDecoded} frames decoded`);
      await technician.screenshot('demo-console-live.png');
    }
  });
}
await technician.close();
await server.stop();

console.log('');
console.log(`Start click → first decoded frame in Chromium: median ${median(firstFrameMs).toFixed(0)} ms ` +
  `(min ${Math.min(...firstFrameMs).toFixed(0)}, max ${Math.max(...firstFrameMs).toFixed(0)}, n=${firstFrameMs.length})`);
console.log(`customer process streaming ${streamed.size}@${streamed.fps.toFixed(0)} ` +
  `${streamed.video} + ${streamed.audio} for ${streamed.seconds.toFixed(0)} s: ` +
  `CPU ${(streamed.cpuShare * 100).toFixed(1)} % of one core, peak RSS ${streamed.rssMb.toFixed(1)} MB`);
