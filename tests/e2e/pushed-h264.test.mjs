// Issue 3, pre-encoded video: a phone app pushes the H.264 its hardware encoder made
// (MediaCodec, VideoToolbox) and the engine sends it as it is. The stand-in shell encodes
// with openh264 and makes a keyframe only when the engine asks: so the picture appearing in
// Chromium at all proves the engine asked the shell for a keyframe when the receiver needed
// one, and the engine also tells the shell the bitrate to aim for.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertPusherBuilt, connectPusher, near } from '../lib/pushed-receiver.mjs';

let rx;
before(async () => {
  assertPusherBuilt();
  rx = await connectPusher(['--h264']);
});
after(async () => rx?.close());

/** Polls the picture Chromium shows and its stats until `check(picture, stats)` holds or 10 s
 * pass; returns the last of both (the asserts then say what was wrong). */
async function seenWhen(check) {
  const deadline = Date.now() + 10000;
  let picture, stats;
  do {
    await new Promise((ok) => setTimeout(ok, 200));
    picture = await rx.grab();
    stats = await rx.stats();
  } while (!check(picture, stats) && Date.now() < deadline);
  return { picture, stats };
}

test('pushed H.264 access units play in Chromium at their size, after the engine asked for a keyframe', async () => {
  await rx.command('frames i420 0 240 140 20', 'pushing');
  const { picture, stats } = await seenWhen(
    (p, s) => s.framesDecoded >= 30 && near(p.corners?.topLeft, [240, 140, 20]),
  );
  assert.equal(picture.width, 640);
  assert.equal(picture.height, 360);
  assert.ok(near(picture.corners.topLeft, [240, 140, 20]), `marker: ${picture.corners.topLeft}`);
  assert.ok(near(picture.corners.bottomRight, [128, 128, 128]), `background: ${picture.corners.bottomRight}`);
  assert.ok(stats.framesDecoded >= 30, `frames decoded: ${stats.framesDecoded}`);

  const requests = rx.pusher.lines.filter((l) => l.includes('"type":"request"')).map((l) => JSON.parse(l).request);
  assert.ok(requests.includes('KeyframeNeeded'), `requests: ${requests}`);
  assert.ok(requests.some((r) => /^TargetBitrate \{ bps: \d+ \}$/.test(r)), `requests: ${requests}`);
});

test('a phone held upright: its encoder takes the pictures as the sensor lies and Chromium turns them', async () => {
  // The Android app asks the engine before each picture whether every technician turns
  // pictures (Chromium does), and then encodes it unturned and pushes it with its turn.
  await rx.command('frames i420 90 30 200 200', 'pushing');
  const { picture, stats } = await seenWhen(
    (p) => p.width === 360 && near(p.corners?.topRight, [30, 200, 200]),
  );
  assert.deepEqual([picture.width, picture.height], [360, 640], 'shown upright');
  assert.ok(near(picture.corners.topRight, [30, 200, 200]), `marker: ${picture.corners.topRight}`);
  assert.ok(near(picture.corners.topLeft, [128, 128, 128]), `background: ${picture.corners.topLeft}`);
  assert.deepEqual([stats.frameWidth, stats.frameHeight], [640, 360], 'encoded as the sensor lay');
});
