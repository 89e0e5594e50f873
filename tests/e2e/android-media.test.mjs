// Issue 12, Capture, end to end with real parts: the Android app's MainActivity under
// Robolectric (tests/android/src/media/CameraToConsoleScenario.kt) opens the session's link,
// accepts the licence and goes live on a real lens-server; its own capture code pushes a test
// camera's pictures (a back sensor mounted turned 90°, as on phones, in NV21 with padded rows
// and full-range samples, as Camera2 hands them out) and Robolectric's microphone plays a
// beeping tone into its AudioRecord thread. The technician in Debian's Chromium must see the
// picture upright at the turned size in its own colours (the orange quadrant top left, the
// rest light grey) and hear the tone.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedInTechnician } from '../lib/fixture.mjs';
import { buildAndroid, startAndroidScenario } from '../lib/android.mjs';
import { grabPicture, near } from '../lib/pushed-receiver.mjs';

const NAME = 'Ada Android';
const ORANGE = [240, 140, 20];
const LIGHT_GREY = [200, 200, 200];
// Within a few levels: full-range samples taken for limited range show 14 to 15 levels off
// (light grey as 214, the orange's red clipped at 255), which the old tolerance let through.
const LEVELS = 8;
// PatternCamera's 640x360 sensor picture, turned upright by the app.
const [WIDTH, HEIGHT] = [360, 640];

const lens = signedInTechnician();
let phone;

after(async () => {
  await phone?.stop();
});

function live() {
  assert.ok(live.ok, 'the Android app never went live (see the first test)');
}

test('the Android app opens the link, accepts the licence and goes live when the technician starts', async () => {
  buildAndroid();
  const { mobileLink } = await lens.technician.newSession(NAME);
  phone = startAndroidScenario('app.lens.media.CameraToConsoleScenario', {
    LENS_SERVER_URL: lens.server.url,
    LENS_LINK: mobileLink,
  });
  // Robolectric's first start loads the instrumented framework: allow for it.
  await phone.waitFor(/^scenario: Waiting/, 90000);
  await lens.technician.waitForStatus(NAME, 'Waiting');
  await lens.technician.start(NAME);
  await phone.waitFor(/^scenario: Live/, 60000);
  await lens.technician.waitForStats((s) => s.framesDecoded >= 10, 30000);
  live.ok = true;
});

test('the camera picture shows upright at the turned size', async (t) => {
  live();
  const video = lens.technician.page.getByTestId('remote-video');
  const sizes = new Set();
  let last;
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    last = await grabPicture(video);
    sizes.add(`${last.width}x${last.height}`);
    if (last.width === WIDTH && last.height === HEIGHT && near(last.corners.topLeft, ORANGE, LEVELS)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  t.diagnostic(`sizes seen: ${[...sizes].join(', ')}; corners ${JSON.stringify(last.corners)}`);
  assert.equal(`${last.width}x${last.height}`, `${WIDTH}x${HEIGHT}`, 'the picture is not turned upright');
  assert.ok(near(last.corners.topLeft, ORANGE, LEVELS), `top left is orange: ${last.corners.topLeft}`);
  for (const corner of ['topRight', 'bottomLeft', 'bottomRight']) {
    assert.ok(near(last.corners[corner], LIGHT_GREY, LEVELS), `${corner} is light grey: ${last.corners[corner]}`);
  }
  await lens.technician.screenshot('android-media-live.png');
});

test('the technician hears the microphone', async (t) => {
  live();
  const first = await lens.technician.receivedAudio();
  const levels = [];
  for (let i = 0; i < 40; i++) {
    levels.push((await lens.technician.receivedAudio()).level);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const last = await lens.technician.receivedAudio();
  const loudest = Math.max(...levels);
  t.diagnostic(`audio level over 2 s: max ${loudest.toFixed(3)}`);
  assert.ok(loudest > 0.05, `audio level over 2 s: ${levels.map((l) => l.toFixed(2)).join(' ')}`);
  assert.ok(last.energy > first.energy, `totalAudioEnergy ${first.energy} → ${last.energy}`);
});

test('the customer leaves; the app stops its media and its own checks pass', async () => {
  live();
  phone.child.stdin.write('leave\n');
  await phone.waitFor(/^scenario: ended/, 30000);
  const { code } = await phone.exited;
  assert.equal(code, 0, `JUnit failed:\n${phone.lines.slice(-60).join('\n')}`);
});
