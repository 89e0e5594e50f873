// `make bench`, second half: what it costs to send 1280x720 at 30 fps plus audio, the Lens
// customer process against Chromium sending its own fake camera, into the same Chromium
// receiver, taking turns in one run (ROUNDS rounds; the figures are medians).
//
//  * Lens: the real server, the technician console in Chromium as the receiver, and
//    `target/release/lens join <PIN>` (synthetic 1280x720@30 camera and tone, H.264 + Opus).
//  * Chromium: a second, separate Chromium (`--use-fake-device-for-media-stream`) whose page
//    calls getUserMedia({video: 1280x720@30, audio}) and sends it, H.264 preferred so both
//    run OpenH264, to a new page in the same receiver Chromium; signalling by hand. Twice:
//    first its fake camera and microphone play the very pictures and sound Lens encodes (a
//    Y4M file written by `examples/test_pattern_y4m`: same size, rate, motion and grain; a
//    WAV file written by `examples/synthetic_mic_wav`: the same swelling tone), which is the
//    fair comparison; then its built-in fake camera and microphone (a flat picture with
//    little to encode, and a 20 ms beep every half second with silence between), which is what
//    the first version of this bench compared against.
//  * Lens on the phone path: `examples/hardware_encoder_shell` pushes H.264 recorded before
//    the measurement, as a phone's hardware encoder delivers it, and the engine sends it
//    (passthrough) with Opus from its synthetic microphone. It takes its turn in every round
//    too, after Chromium's, so its figure is a median against the same rounds.
//
// Every sender also receives the technician's voice, as in a call: the receiver answers with
// its own fake microphone on the audio transceiver, as the console does for Lens (see
// CHROMIUM_PLAYS for what each does with it).
//
// Counted for each sender over the same steady stretch (after WARMUP_S), SECONDS long:
//  * CPU seconds: utime + stime from /proc/<pid>/stat, for Lens of its one process, for
//    Chromium of its browser process and every descendant (renderer, GPU, network, audio
//    and utility processes all take part in capturing, encoding and sending);
//  * peak RSS: VmHWM; for Chromium the sum over the same processes (each one's own peak, so
//    an upper bound of the tree's peak at any one moment);
//  * CPU per frame delivered: those CPU seconds over the frames the receiver decoded;
//  * where it went, per thread (lib/proc.mjs): each side's encoder is its busiest thread, so
//    the encode and everything around it are told apart;
//  * the luma PSNR of the pictures the receiver presented, one every 2 s read back from its
//    <video> and matched by the frame counter to the synthetic camera's own picture
//    (lib/decoded-quality.mjs, examples/decoded_psnr), for every sender of those pictures.
// Run inside a loopback-only network namespace (the Makefile does).

import { rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { startServer, assertBinariesBuilt, BIN, Proc, tempDir } from '../lib/lens.mjs';
import { median } from '../lib/figures.mjs';
import {
  TICKS_PER_SECOND, children, peakRssKb, threadSplit, threadTicks, ticksOf, tree,
} from '../lib/proc.mjs';
import { withWaitingCustomer } from '../lib/waiting-customer.mjs';
import { openConsole } from '../lib/console.mjs';
import { sampleDecodedLuma, decodedPsnr } from '../lib/decoded-quality.mjs';

// Lens and Chromium on the same pictures take turns, ROUNDS times, SECONDS each: this machine
// is shared and its CPU accounting drifts by a fifth or more between minutes, so the ratio of each
// round's neighbours, and the median of those, is the figure (not one pair of runs).
const SECONDS = Number(process.env.LENS_BENCH_SECONDS || 20);
const ROUNDS = Number(process.env.LENS_BENCH_ROUNDS || 3);
const WARMUP_S = 5;
// Whether Chromium's sender plays the technician's voice. Lens decodes it at playout pace into
// its null sink (`--no-playback`: no sound card here); Chromium decodes it only when something
// plays it, and then into an audio output of its own (a fake one here), which costs it more
// than the decoding. Off by default, the comparison that favours Chromium: it receives the
// voice but neither decodes nor plays it, while Lens decodes it.
const CHROMIUM_PLAYS = process.env.LENS_BENCH_CHROMIUM_PLAYS === '1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU seconds of the process tree under `rootPid` over SECONDS, its peak RSS, and the luma
 * PSNR of the pictures the receiver's `video` presented meanwhile (null if `psnr` is false:
 * a picture without the frame counter cannot be matched to its source).
 */
async function measure(rootPid, receiverStats, { page, video, psnr = true }) {
  if (psnr) await sampleDecodedLuma(page, video);
  const before = await receiverStats();
  const pidsAtStart = tree(rootPid);
  const c0 = ticksOf(pidsAtStart);
  const threadsAtStart = threadTicks(pidsAtStart);
  const t0 = process.hrtime.bigint();
  await sleep(SECONDS * 1000);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // Processes present at both ends: a helper started meanwhile would count from zero.
  const pids = tree(rootPid).filter((p) => pidsAtStart.includes(p));
  const cpu = (ticksOf(pids) - c0) / TICKS_PER_SECOND;
  const threads = threadSplit(threadsAtStart, threadTicks(pids));
  const rssMb = pids.reduce((sum, p) => { try { return sum + peakRssKb(p); } catch { return sum; } }, 0) / 1024;
  const after = await receiverStats();
  return {
    psnr: psnr ? await decodedPsnr(page) : null,
    frames: after.framesDecoded - before.framesDecoded,
    cpu, wall, rssMb, processes: pids.length, threads,
    fps: (after.framesDecoded - before.framesDecoded) / wall,
    voicePps: (after.voicePackets - before.voicePackets) / wall,
    kbps: (after.bytes - before.bytes) * 8 / 1000 / wall,
    // The sender's sound as received: a tone that never stops costs Opus more bits (and work)
    // than a beep between silences.
    soundKbps: (after.soundBytes - before.soundBytes) * 8 / 1000 / wall,
    size: `${after.frameWidth}x${after.frameHeight}`,
    codec: after.videoCodec,
  };
}

/** Inbound video and audio as the receiving page sees them. */
function pageStats(page) {
  return () => page.evaluate(async () => {
    const pc = window.benchPc || (window.lens && window.lens.pc);
    const out = { framesDecoded: 0, frameWidth: 0, frameHeight: 0, videoCodec: '', bytes: 0, voicePackets: 0, soundBytes: 0 };
    if (!pc) return out;
    const report = await pc.getStats();
    report.forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.voicePackets = r.packetsSent || 0;
      if (r.type === 'inbound-rtp' && r.kind === 'audio') out.soundBytes = r.bytesReceived || 0;
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        out.framesDecoded = r.framesDecoded || 0;
        out.bytes = r.bytesReceived || 0;
        out.frameWidth = r.frameWidth || 0;
        out.frameHeight = r.frameHeight || 0;
        const codec = report.get(r.codecId);
        out.videoCodec = codec ? codec.mimeType : '';
      }
    });
    return out;
  });
}

async function waitForFrames(stats, n, page) {
  for (let i = 0; i < 300; i++) {
    if ((await stats()).framesDecoded >= n) return;
    await sleep(100);
  }
  const state = await page.evaluate(() => {
    const pc = window.benchPc || (window.lens && window.lens.pc);
    if (!pc) return 'no peer connection';
    const receivers = pc.getReceivers().map((r) => `${r.track.kind}:${r.track.readyState}`);
    return `${location.href} ${pc.connectionState} ${receivers.join(',')}`;
  });
  throw new Error(`the receiver decoded no video (${state})`);
}

/** Waits up to 60 s for the receiver to decode pictures `height` lines tall. */
async function waitForHeight(stats, height) {
  for (let i = 0; i < 600 && (await stats()).frameHeight < height; i++) await sleep(100);
}

assertBinariesBuilt();
const server = await startServer();
const technician = await openConsole(server);
await technician.login(server.tess);

// ---- Lens ----------------------------------------------------------------------------------
/** The desktop customer joined by PIN, started from the console; measured at the console. */
async function lensSender(round) {
  const name = `Bench Customer ${round}`;
  return withWaitingCustomer({ server, technician, name }, async (customer) => {
    await technician.start(name);
    const stats = pageStats(technician.page);
    await waitForFrames(stats, 1, technician.page);
    await sleep(WARMUP_S * 1000);
    return measure(customer.child.pid, stats, { page: technician.page, video: '#remote-video' });
  });
}

/**
 * A receiving peer connection on `page` (a page of the receiver Chromium, on the console's
 * origin) that plays what `offer` sends; returns the answer once ICE gathering is done
 * (written out in the page: the console's CSP forbids eval).
 */
function answerOn(page, offer) {
  return page.evaluate(async (offer) => {
    const pc = new RTCPeerConnection();
    window.benchPc = pc;
    pc.ontrack = (e) => { const v = document.createElement('video'); v.muted = true; v.autoplay = true; v.srcObject = e.streams[0] || new MediaStream([e.track]); document.body.append(v); };
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    // The technician talks back, as the console does to a Lens customer: every sender
    // receives a voice while it sends (the same fake microphone).
    const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    const audio = pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
    if (audio) {
      audio.direction = 'sendrecv';
      await audio.sender.replaceTrack(mic.getAudioTracks()[0]);
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    });
    return pc.localDescription.sdp;
  }, offer);
}

// ---- Lens on the phone path: H.264 from the hardware encoder ---------------------------------
/**
 * `examples/hardware_encoder_shell`: the engine sending access units a phone's encoder chip
 * made (recorded before the measurement), plus Opus from its synthetic microphone, to a new
 * page of the receiver Chromium. What the engine itself costs where phones encode in hardware.
 */
async function passthroughSender() {
  const shell = new Proc('hardware-encoder-shell', join(BIN, 'examples', 'hardware_encoder_shell'), []);
  const receiverPage = await technician.page.context().newPage();
  try {
    const offer = JSON.parse(await shell.waitFor(/"type":"offer"/, 60000));
    await receiverPage.goto(server.url + '/');
    const answer = await answerOn(receiverPage, offer.sdp);
    shell.child.stdin.write(JSON.stringify({ type: 'answer', sdp: answer }) + '\n');
    const stats = pageStats(receiverPage);
    await waitForFrames(stats, 1, receiverPage);
    await sleep(WARMUP_S * 1000);
    return await measure(shell.child.pid, stats, { page: receiverPage, video: 'video' });
  } finally {
    await receiverPage.close();
    shell.child.kill();
    await shell.exited;
  }
}

// ---- Chromium ----------------------------------------------------------------------------
/**
 * A separate Chromium that captures `fakeCameraArgs`' fake camera and sends it to a new page
 * of the receiver Chromium; measured like Lens.
 */
async function chromiumSender(fakeCameraArgs, { psnr = true } = {}) {
  const blankServer = http.createServer((_req, res) => res.end('<!doctype html><title>sender</title>'));
  await new Promise((resolve) => blankServer.listen(0, '127.0.0.1', resolve));
  const blankPage = `http://127.0.0.1:${blankServer.address().port}/`;
  // Playwright does not hand out the browser's pid: it is the child of this process that the
  // launch adds.
  const childrenBefore = new Set(children(process.pid));
  const sender = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
      ...fakeCameraArgs,
    ],
  });
  const senderPid = children(process.pid).find((pid) => !childrenBefore.has(pid));
  if (!senderPid) throw new Error('cannot find the sending Chromium process');
  const receiverPage = await technician.page.context().newPage();
  try {
    const senderContext = await sender.newContext();
    await senderContext.grantPermissions(['camera', 'microphone']);
    const senderPage = await senderContext.newPage();
    // A blank page of its own: the console's pages forbid the camera (Permissions-Policy).
    await senderPage.goto(blankPage);
    await receiverPage.goto(server.url + '/');

    // Both pages wait for ICE gathering (written out in each: the console's CSP forbids eval).
    const offer = await senderPage.evaluate(async (play) => {
      const pc = new RTCPeerConnection();
      window.benchPc = pc;
      const media = await navigator.mediaDevices.getUserMedia({
        video: { width: 1280, height: 720, frameRate: 30 }, audio: true,
      });
      if (media.getVideoTracks().length !== 1) throw new Error('the fake camera gave no video track');
      // The technician's voice comes back on the audio transceiver (see `answerOn`); played
      // only with CHROMIUM_PLAYS, see there.
      pc.ontrack = (e) => {
        window.benchVoice = e.track;
        if (play) { const a = new Audio(); a.autoplay = true; a.srcObject = new MediaStream([e.track]); document.body.append(a); }
      };
      for (const track of media.getTracks()) {
        const direction = track.kind === 'audio' ? 'sendrecv' : 'sendonly';
        const transceiver = pc.addTransceiver(track, { direction });
        if (track.kind === 'video') {
          // The same codec Lens sends (Chromium's software H.264 is OpenH264 too).
          const codecs = RTCRtpSender.getCapabilities('video').codecs;
          const h264 = codecs.filter((c) => c.mimeType === 'video/H264' && /profile-level-id=42e01f/.test(c.sdpFmtpLine || ''));
          transceiver.setCodecPreferences([...h264, ...codecs.filter((c) => !h264.includes(c))]);
        }
      }
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
      });
      return pc.localDescription.sdp;
    }, CHROMIUM_PLAYS);
    const answer = await answerOn(receiverPage, offer);
    await senderPage.evaluate(async (sdp) => window.benchPc.setRemoteDescription({ type: 'answer', sdp }), answer);

    const stats = pageStats(receiverPage);
    await waitForFrames(stats, 1, receiverPage);
    // Chromium starts low and climbs for about 15 s: compare at full size, as Lens sends.
    await waitForHeight(stats, 720);
    await sleep(WARMUP_S * 1000);
    return await measure(senderPid, stats, { page: receiverPage, video: 'video', psnr });
  } finally {
    await receiverPage.close();
    await sender.close();
    blankServer.close();
  }
}

// The same pictures Lens encodes (bars, moving box, grain, counter at 1280x720@30), written
// by the engine's own pattern code, so both encoders get the same work.
const patternFile = join(tempDir('bench'), 'pattern.y4m');
execFileSync(join(BIN, 'examples', 'test_pattern_y4m'), [patternFile, '1280', '720', '30', '150']);
// And the same sound: Lens's synthetic microphone, which Chromium's fake one would otherwise
// replace with a beep and silence, cheaper to encode than a sound that never stops.
const toneFile = join(tempDir('bench'), 'tone.wav');
execFileSync(join(BIN, 'examples', 'synthetic_mic_wav'), [toneFile, '5']);
const lensRuns = [];
const sameRuns = [];
const phoneRuns = [];
try {
  for (let round = 1; round <= ROUNDS; round++) {
    lensRuns.push(await lensSender(round));
    sameRuns.push(await chromiumSender([
      `--use-file-for-fake-video-capture=${patternFile}`,
      `--use-file-for-fake-audio-capture=${toneFile}`,
    ]));
    phoneRuns.push(await passthroughSender());
  }
} finally {
  rmSync(patternFile, { force: true });
  rmSync(toneFile, { force: true });
}
// Chromium's built-in fake camera, a flat picture: cheaper to encode than a real camera's.
const builtIn = await chromiumSender([], { psnr: false });
await technician.close();
await server.stop();

const perFrameMs = (m) => (m.cpu * 1000) / m.frames;
const psnrText = (m) => (!m.psnr ? '' : `; luma PSNR of what it decoded ${m.psnr.mean.toFixed(2)} dB ` +
  `(min ${m.psnr.min.toFixed(2)}, ${m.psnr.pictures} pictures, read from ${m.psnr.how})`);
const show = (name, m) => console.log(
  `${name}: ${m.cpu.toFixed(2)} CPU s over ${m.wall.toFixed(1)} s (${(m.cpu / m.wall * 100).toFixed(1)} % of one core, ` +
  `${perFrameMs(m).toFixed(2)} ms per frame delivered), ` +
  `peak RSS ${m.rssMb.toFixed(1)} MB (${m.processes} process${m.processes === 1 ? '' : 'es'}); ` +
  `receiver decoded ${m.size} ${m.codec} at ${m.fps.toFixed(1)} fps, ${m.kbps.toFixed(0)} kbit/s of video${psnrText(m)}; ` +
  `${m.soundKbps.toFixed(0)} kbit/s of sound; the technician's voice back at ${m.voicePps.toFixed(0)} packets/s`);
// Where a sender's CPU went, per thread: each side's openh264 runs on one thread (Lens's
// lens-video; Chromium's in a pool thread of its renderer, which `perf` attributes to the
// system's libopenh264), so the busiest thread is each side's encoder and the rest is
// capturing, sending, sound and the process around them.
const threadMs = (m, t) => (t.seconds * 1000) / m.frames;
const whereItWent = (m) => {
  // One process (Lens): its threads' names say enough.
  const oneKind = new Set(m.threads.map((t) => t.kind)).size === 1;
  return m.threads.slice(0, 6)
    .map((t) => `${oneKind ? '' : `${t.kind}: `}${t.name} ${threadMs(m, t).toFixed(2)}`).join(', ');
};
const busiest = (m) => threadMs(m, m.threads[0]);
const psnrDiff = (a, b) => (a.psnr && b.psnr ? a.psnr.mean - b.psnr.mean : NaN);
console.log('');
console.log(`side by side: 1280x720@30 + audio into one Chromium receiver, which talks back ` +
  `(Chromium ${CHROMIUM_PLAYS ? 'plays' : 'does not play'} the voice, Lens decodes it); Lens and Chromium on the same ` +
  `pictures in turn, ${ROUNDS} rounds of ${SECONDS} s each`);
const frameRatios = [];
const cpuRatios = [];
for (let i = 0; i < ROUNDS; i++) {
  const [lens, same] = [lensRuns[i], sameRuns[i]];
  show(`round ${i + 1}, Lens customer process (synthetic camera)`, lens);
  show(`round ${i + 1}, Chromium, the same pictures from a file`, same);
  frameRatios.push(perFrameMs(lens) / perFrameMs(same));
  cpuRatios.push(lens.cpu / same.cpu);
  console.log(`round ${i + 1}: CPU per frame delivered Lens/Chromium ${frameRatios[i].toFixed(2)}x, ` +
    `PSNR difference ${psnrDiff(lens, same).toFixed(2)} dB`);
  console.log(`round ${i + 1}, where the CPU went (ms per frame delivered, the largest threads): ` +
    `Lens ${whereItWent(lens)}; Chromium ${whereItWent(same)}`);
  show(`round ${i + 1}, Lens, H.264 from a phone's hardware encoder (passthrough)`, phoneRuns[i]);
}
show('Chromium, its built-in fake camera', builtIn);
const lensCpu = median(lensRuns.map((m) => m.cpu));
const lensRss = Math.max(...lensRuns.map((m) => m.rssMb));
console.log(`ratio Lens/Chromium, same pictures: CPU ${median(cpuRatios).toFixed(2)}x (median of ${ROUNDS} rounds), ` +
  `RSS ${(lensRss / median(sameRuns.map((m) => m.rssMb))).toFixed(3)}x; Lens RSS ${lensRss.toFixed(1)} MB (goal < 40 MB)`);
// The bitrates are part of "equal quality": on this pattern the PSNR hardly moves with the
// bitrate (the grain, which no encoder here keeps at these rates, sets it: 36.66 dB at
// 0.3 Mbit/s, 36.78 at 2.5, `encode_pattern 300 BITRATE --psnr`), so a sender that sent far
// fewer bits would still score within 0.5 dB. Both sides must send about the same.
const medianOf = (runs, f) => median(runs.map(f));
const summary = (runs) => `${medianOf(runs, (m) => m.fps).toFixed(1)} fps ${runs[0].size} ` +
  `at ${medianOf(runs, (m) => m.kbps).toFixed(0)} kbit/s ` +
  `and ${medianOf(runs, (m) => m.psnr?.mean ?? NaN).toFixed(2)} dB ` +
  `and ${medianOf(runs, perFrameMs).toFixed(2)} ms of CPU per frame`;
const bitrateRatio = medianOf(lensRuns, (m) => m.kbps) / medianOf(sameRuns, (m) => m.kbps);
const psnrDifference = medianOf(lensRuns, (m, i) => psnrDiff(m, sameRuns[i]));
console.log(`equal quality, same pictures (medians of ${ROUNDS} rounds): ` +
  `Lens ${summary(lensRuns)}, Chromium ${summary(sameRuns)} (video bitrate Lens/Chromium ` +
  `${bitrateRatio.toFixed(2)}x, PSNR difference ${psnrDifference.toFixed(2)} dB, ` +
  'goal within 0.5); ' +
  `CPU per frame delivered Lens/Chromium ${median(frameRatios).toFixed(2)}x ` +
  `(rounds: ${frameRatios.map((r) => r.toFixed(2)).join(', ')}; goal ≤ 0.5x)`);
const encoderRatios = lensRuns.map((m, i) => busiest(m) / busiest(sameRuns[i]));
const rest = (m) => perFrameMs(m) - busiest(m);
console.log(`each side's busiest thread, its encoder (medians of ${ROUNDS} rounds): ` +
  `Lens ${medianOf(lensRuns, busiest).toFixed(2)} ms, ` +
  `Chromium ${medianOf(sameRuns, busiest).toFixed(2)} ms a frame delivered ` +
  `(${median(encoderRatios).toFixed(2)}x); everything else ` +
  `Lens ${medianOf(lensRuns, rest).toFixed(2)} ms, ` +
  `Chromium ${medianOf(sameRuns, rest).toFixed(2)} ms`);
console.log(`ratio Lens/Chromium, built-in fake camera: CPU ${(lensCpu / builtIn.cpu).toFixed(2)}x`);
const phoneRatios = phoneRuns.map((m, i) => perFrameMs(m) / perFrameMs(sameRuns[i]));
console.log(`ratio Lens passthrough/Chromium, same pictures: CPU per frame delivered ` +
  `${median(phoneRatios).toFixed(2)}x (rounds: ${phoneRatios.map((r) => r.toFixed(2)).join(', ')}; ` +
  `${median(phoneRuns.map(perFrameMs)).toFixed(2)} ms a frame), peak RSS ` +
  `${Math.max(...phoneRuns.map((m) => m.rssMb)).toFixed(1)} MB (the encoding itself done by the phone's encoder chip)`);
