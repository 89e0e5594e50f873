// Issue 3, frames pushed by a shell: a phone app feeds its camera's frames (every pixel format
// CameraX and AVCaptureSession deliver, upright or turned) to the engine, and the technician's
// Chromium shows them the right size and the right way up. The pusher draws a coloured marker
// in its buffer's top-left corner; after the rotation the shell asks for, the marker must be
// in the matching corner of the picture the technician sees, in its colour. The pictures
// travel as the camera delivered them, at the sensor's size, with the turn in the RTP
// video-orientation extension, which Chromium applies for display: the phone turns nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertPusherBuilt, connectPusher, near } from '../lib/pushed-receiver.mjs';

const GREY = [128, 128, 128];
// Where the buffer's top-left corner ends up once turned clockwise.
const CORNER = { 0: 'topLeft', 90: 'topRight', 180: 'bottomRight', 270: 'bottomLeft' };
const OPPOSITE = { topLeft: 'bottomRight', topRight: 'bottomLeft', bottomRight: 'topLeft', bottomLeft: 'topRight' };

const CASES = [
  { format: 'i420', rotation: 0, colour: [220, 30, 30] },
  { format: 'nv12', rotation: 0, colour: [30, 200, 30] },
  { format: 'nv21', rotation: 0, colour: [30, 30, 220] },
  // Yellow and orange turn cyan and blue if red and blue were swapped.
  { format: 'bgra', rotation: 0, colour: [220, 220, 30] },
  { format: 'rgba', rotation: 0, colour: [240, 140, 20] },
  { format: 'nv12', rotation: 90, colour: [30, 200, 200] },
  { format: 'bgra', rotation: 270, colour: [240, 140, 20] },
  { format: 'i420', rotation: 180, colour: [220, 30, 220] },
];

let rx;
before(async () => {
  assertPusherBuilt();
  rx = await connectPusher();
});
after(async () => rx?.close());

/** Polls the decoded picture until `check` accepts it; fails with the last grab. */
async function waitForPicture(check, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await rx.grab();
    if (last.width && check(last)) return last;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.fail(`${what}: last decoded picture ${JSON.stringify(last)}`);
}

for (const { format, rotation, colour } of CASES) {
  test(`${format.toUpperCase()} frames turned ${rotation}° arrive upright with the marker in place`, async () => {
    await rx.command(`frames ${format} ${rotation} ${colour.join(' ')}`, 'pushing');
    const [w, h] = rotation % 180 === 0 ? [640, 360] : [360, 640];
    const corner = CORNER[rotation];
    const picture = await waitForPicture(
      (p) => p.width === w && p.height === h && near(p.corners[corner], colour),
      `a ${w}x${h} picture with the ${colour} marker ${corner}`,
    );
    // Only that corner: the other three are the grey background.
    for (const other of Object.keys(picture.corners).filter((c) => c !== corner)) {
      assert.ok(near(picture.corners[other], GREY), `${other} is grey: ${picture.corners[other]}`);
    }
    assert.ok(!near(picture.corners[OPPOSITE[corner]], colour));
    // Decoded at the size the camera delivered: the turn was Chromium's, not the phone's.
    const { frameWidth, frameHeight } = await rx.stats();
    assert.deepEqual([frameWidth, frameHeight], [640, 360], 'the pictures travelled as they lay');
  });
}

test('pausing the video stops its frames while the audio goes on, and resuming restarts them', async () => {
  await rx.command('frames nv12 0 30 200 30', 'pushing');
  await waitForPicture((p) => near(p.corners.topLeft, [30, 200, 30]), 'the green marker');
  const paused = await rx.command('pause', 'paused');
  assert.equal(paused.changed, true);
  await new Promise((ok) => setTimeout(ok, 500)); // frames already on the wire
  const a = await rx.stats();
  await new Promise((ok) => setTimeout(ok, 1500));
  const b = await rx.stats();
  assert.ok(b.framesDecoded - a.framesDecoded <= 1, `frames while paused: ${a.framesDecoded} → ${b.framesDecoded}`);
  assert.ok(b.audioPackets - a.audioPackets >= 50, `audio while paused: ${a.audioPackets} → ${b.audioPackets}`);

  await rx.command('resume', 'resumed');
  const deadline = Date.now() + 5000;
  let c;
  do {
    await new Promise((ok) => setTimeout(ok, 200));
    c = await rx.stats();
  } while (c.framesDecoded - b.framesDecoded < 15 && Date.now() < deadline);
  assert.ok(c.framesDecoded - b.framesDecoded >= 15, `frames after resume: ${b.framesDecoded} → ${c.framesDecoded}`);
});
