// Issue 3, frames pushed by a shell, end to end through the generated Kotlin bindings: a
// customer app on the JVM (tests/kotlin/src/PushingCustomer.kt, standing in for the Android
// app) joins by PIN and feeds its camera and microphone through `pushVideoFrame` (direct
// ByteBuffers with padded rows, as CameraX hands them out) and `pushAudio`. The technician
// clicks Start in the console and sees the picture the right size and the right way up for
// every pixel format and orientation (the marker drawn in the buffer's top-left corner lands
// in the turned corner, in its colour), and hears the tone.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedInTechnician } from '../lib/fixture.mjs';
import { assertKotlinCustomerBuilt, startPushingCustomer, customerMessages } from '../lib/kotlin.mjs';
import { grabPicture, near, MARKER_CORNER } from '../lib/pushed-receiver.mjs';

const NAME = 'Kim Kotlin';
const GREY = [128, 128, 128];
const OPPOSITE = { topLeft: 'bottomRight', topRight: 'bottomLeft', bottomRight: 'topLeft', bottomLeft: 'topRight' };

// Every format upright and turned a quarter (a phone held upright films sideways), each with
// a colour of its own so a picture left over from the case before cannot pass. Yellow and
// orange turn cyan and blue if red and blue were swapped; NV21's V,U order swaps them too.
const CASES = [
  { format: 'i420', rotation: 0, colour: [220, 30, 30] },
  { format: 'nv12', rotation: 0, colour: [30, 200, 30] },
  { format: 'nv21', rotation: 0, colour: [240, 140, 20] },
  { format: 'bgra', rotation: 0, colour: [220, 220, 30] },
  { format: 'rgba', rotation: 0, colour: [30, 30, 220] },
  { format: 'i420', rotation: 90, colour: [30, 200, 200] },
  { format: 'nv12', rotation: 90, colour: [220, 30, 220] },
  { format: 'nv21', rotation: 90, colour: [220, 30, 30] },
  { format: 'bgra', rotation: 90, colour: [240, 140, 20] },
  { format: 'rgba', rotation: 90, colour: [30, 200, 30] },
  { format: 'nv21', rotation: 270, colour: [220, 220, 30] },
  { format: 'bgra', rotation: 180, colour: [30, 200, 200] },
];

const lens = signedInTechnician();
let customer;

/** The customer's latest `pushed_stats` line. */
const pushedStats = () => customerMessages(customer, 'pushed_stats').at(-1);

after(async () => {
  await customer?.stop();
});

/** Waits for a `pushed_stats` line (once a second) that satisfies `predicate`. */
async function waitForPushed(predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = pushedStats();
    if (stats && predicate(stats)) return stats;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.fail(`pushed stats never satisfied ${predicate}; last: ${JSON.stringify(pushedStats())}`);
}

/** The session every later test uses; fails them, rather than skipping them, when it is not live. */
function live() {
  assert.ok(live.ok, 'the Kotlin customer never went live (see the first test)');
}

// node 20 runs a file's top-level `before` hooks concurrently, so the customer joins in the
// first test rather than in a hook racing the technician's sign-in.
test('the Kotlin customer joins by PIN; its frames and sound are dropped unread until the technician starts', async () => {
  // A missing jar fails here, it is never a skip.
  assertKotlinCustomerBuilt();
  const { pin } = await lens.technician.newSession(NAME);
  // Microphone at 44.1 kHz stereo in 10 ms blocks (a common AudioRecord setting): the engine
  // must down-mix and resample it.
  customer = startPushingCustomer(lens.server, pin, {
    format: 'i420', rotation: 0, colour: '128,128,128', fps: 30,
    'audio-rate': 44100, 'audio-channels': 2, 'audio-block-ms': 10,
  });
  await customer.waitFor(/"type":"joined"/, 30000);
  await lens.technician.waitForStatus(NAME, 'Waiting');

  const stats = await waitForPushed((p) => p.video.dropped_not_live > 0 && p.audio.dropped_not_live > 0);
  assert.equal(stats.video.accepted, 0, JSON.stringify(stats));
  assert.equal(stats.audio.accepted, 0, JSON.stringify(stats));
  assert.ok(stats.video.dropped_not_live > 0 && stats.audio.dropped_not_live > 0, JSON.stringify(stats));

  await lens.technician.start(NAME);
  await customer.waitFor(/"type":"live"/);
  await lens.technician.waitForStats((s) => s.framesDecoded >= 10);
  live.ok = true;
});

/**
 * Polls the console's decoded picture until `check` accepts it; fails with the last grab.
 * Returns the picture, how long it took and the sizes seen on the way.
 */
async function waitForPicture(check, what, timeoutMs) {
  const video = lens.technician.page.getByTestId('remote-video');
  const started = Date.now();
  const sizes = new Set();
  let last;
  while (Date.now() - started < timeoutMs) {
    last = await grabPicture(video);
    sizes.add(`${last.width}x${last.height}`);
    if (last.width && check(last)) return { picture: last, ms: Date.now() - started, sizes: [...sizes] };
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.fail(`${what}: sizes seen ${[...sizes].join(', ')}; last decoded picture ${JSON.stringify(last)}`);
}

for (const { format, rotation, colour } of CASES) {
  test(`${format.toUpperCase()} frames pushed from Kotlin turned ${rotation}° show upright in the console`, async (t) => {
    live();
    const before = customer.lines.length;
    customer.child.stdin.write(`frames ${format} ${rotation} ${colour.join(' ')}\n`);
    await customer.waitFor(new RegExp(`"type":"pushing","format":"${format}","rotation":${rotation}`, 'i'));
    assert.deepEqual(customer.lines.slice(before).filter((l) => l.includes('"type":"error"')), []);

    const [w, h] = rotation % 180 === 0 ? [640, 360] : [360, 640];
    const corner = MARKER_CORNER[rotation];
    // Turning the picture rebuilds the encoder; the first pictures after it may still be
    // the previous case's.
    const { picture, ms, sizes } = await waitForPicture(
      (p) => p.width === w && p.height === h && near(p.corners[corner], colour),
      `a ${w}x${h} picture with the ${colour} marker ${corner}`,
      10000,
    );
    t.diagnostic(`${w}x${h} with the marker ${corner} after ${ms} ms (sizes seen: ${sizes.join(', ')})`);
    // Only that corner: the other three are the grey background.
    for (const other of Object.keys(picture.corners).filter((c) => c !== corner)) {
      assert.ok(near(picture.corners[other], GREY), `${other} is grey: ${picture.corners[other]}`);
    }
    assert.ok(!near(picture.corners[OPPOSITE[corner]], colour));
  });
}

test('the tone pushed as PCM is heard in the console', async (t) => {
  live();
  // The tone beeps 300 ms in every 500 ms; sample the level for two seconds.
  const first = await lens.technician.receivedAudio();
  const levels = [];
  for (let i = 0; i < 40; i++) {
    levels.push((await lens.technician.receivedAudio()).level);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const last = await lens.technician.receivedAudio();
  const loudest = Math.max(...levels);
  t.diagnostic(`audio level over 2 s: max ${loudest.toFixed(3)}, min ${Math.min(...levels).toFixed(3)}`);
  // 0.4 of full scale pushed; Opus and Chromium's level meter leave it well above 0.05.
  assert.ok(loudest > 0.05, `audio level over 2 s: max ${loudest.toFixed(3)} (${levels.map((l) => l.toFixed(2)).join(' ')})`);
  assert.ok(last.energy > first.energy, `totalAudioEnergy ${first.energy} → ${last.energy}`);
});

test('every push was taken, none refused, and the customer sees the session end', async () => {
  live();
  // The cases above may take only a few seconds in all: wait for over 100 of each (at 30
  // frames and 100 PCM blocks a second that is a few seconds more), then check none was refused.
  const stats = await waitForPushed(
    (s) => s.video.accepted > 100 && s.audio.accepted > 100 && s.video_frames_sent > 100,
  );
  assert.equal(stats.video.refused, 0, JSON.stringify(stats));
  assert.equal(stats.audio.refused, 0, JSON.stringify(stats));
  assert.deepEqual(customerMessages(customer, 'error'), []);

  await lens.technician.end();
  await customer.waitFor(/"type":"ended","description":"The technician ended the session"/);
  const { code } = await customer.exited;
  assert.equal(code, 0);
});
