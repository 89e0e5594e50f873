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

test('pushed H.264 access units play in Chromium at their size, after the engine asked for a keyframe', async () => {
  await rx.command('frames i420 0 240 140 20', 'pushing');
  const deadline = Date.now() + 10000;
  let picture, stats;
  do {
    await new Promise((ok) => setTimeout(ok, 200));
    picture = await rx.grab();
    stats = await rx.stats();
  } while (!(stats.framesDecoded >= 30 && near(picture.corners?.topLeft, [240, 140, 20])) && Date.now() < deadline);
  assert.equal(picture.width, 640);
  assert.equal(picture.height, 360);
  assert.ok(near(picture.corners.topLeft, [240, 140, 20]), `marker: ${picture.corners.topLeft}`);
  assert.ok(near(picture.corners.bottomRight, [128, 128, 128]), `background: ${picture.corners.bottomRight}`);
  assert.ok(stats.framesDecoded >= 30, `frames decoded: ${stats.framesDecoded}`);

  const requests = rx.pusher.lines.filter((l) => l.includes('"type":"request"')).map((l) => JSON.parse(l).request);
  assert.ok(requests.includes('KeyframeNeeded'), `requests: ${requests}`);
  assert.ok(requests.some((r) => /^TargetBitrate \{ bps: \d+ \}$/.test(r)), `requests: ${requests}`);
});
