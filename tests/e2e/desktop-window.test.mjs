// The desktop customer app as a window (issue 11), checked the way a person checks it, under
// Xvfb: first start with the tutorial, why the camera and microphone are needed, the PIN
// typed on the keyboard with the live problem text and Join enabled only for six digits,
// the licence accepted with a click, waiting with the preview area, live while the
// technician's Chromium shows the video, the microphone muted and unmuted, ended by the
// technician, and Back to the PIN field. Each screen's words are read from the app's screen
// log; each kind of screen is photographed into tests/artifacts/desktop-window/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedInTechnician } from '../lib/fixture.mjs';
import { startXvfb, startWindow } from '../lib/desktop-window.mjs';

const lens = signedInTechnician();
let xvfb;
before(async () => { xvfb = await startXvfb(); });
after(async () => { await xvfb?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('a customer goes from the first start to live and back in the window', async () => {
  const t = lens.technician;
  const { pin } = await t.newSession('Wendy Window');
  const window = startWindow(lens.server, xvfb.display);
  try {
    await window.find();

    // First start: the tutorial, step by step, Next until its last step says OK.
    let step = await window.waitForScreen('tutorial');
    assert.equal(step.step, 1);
    assert.ok(step.steps >= 2, `${step.steps} steps`);
    assert.equal(step.skip.label, 'Skip');
    while (step.step < step.steps) {
      assert.equal(step.next.label, 'Next');
      const shown = step.step;
      await window.click('Next');
      step = await window.waitForScreen((s) => s.screen !== 'tutorial' || s.step === shown + 1);
    }
    assert.equal(step.next.label, 'OK');
    await window.click('OK');

    // Why the camera and microphone: Continue; the desktop answers the permission request
    // itself (it has no system prompt) and the PIN field follows.
    const permissions = await window.waitForScreen('permissions');
    assert.match(permissions.body, /camera/);
    await window.click(permissions.allow.label);

    const empty = await window.waitForScreen('enter_pin');
    assert.equal(empty.title, 'Join a session');
    assert.equal(empty.organisation, 'Support by 127.0.0.1');
    assert.equal(empty.join.enabled, false);

    // Half a PIN: the problem shows while typing and Join stays greyed out.
    await window.type(pin.slice(0, 3));
    const half = await window.waitForScreen((s) => s.screen === 'enter_pin' && s.input === pin.slice(0, 3));
    assert.equal(half.problem, 'The code has six digits; this one has 3.');
    assert.equal(half.join.enabled, false);
    // The whole PIN, with the space people type when it is read out: Join lights up.
    await window.type(` ${pin.slice(3)}`);
    const full = await window.waitForScreen((s) => s.screen === 'enter_pin' && s.join.enabled);
    assert.equal(full.input, `${pin.slice(0, 3)} ${pin.slice(3)}`);
    assert.equal(full.problem, null);
    await window.click('Join');

    const licence = await window.waitForScreen('licence');
    assert.match(licence.intro, /Tess Technician will help you/);
    assert.ok(licence.text.length > 20, licence.text);
    await window.click('Accept');

    const waiting = await window.waitForScreen('waiting');
    assert.equal(waiting.title, 'Waiting for your technician');
    assert.equal(waiting.preview, true);
    await t.waitForStatus('Wendy Window', 'Waiting');

    // The technician starts; the console decodes the window's video.
    await t.start('Wendy Window');
    const live = await window.waitForScreen('live', 30000);
    assert.equal(live.title, 'Tess Technician is watching');
    assert.equal(live.mute.label, 'Mute');
    assert.equal(live.mute.on, false);
    const video = await t.waitForStats((s) => s.framesDecoded >= 30);
    assert.equal(video.videoCodec, 'video/H264');
    await t.screenshot('console-desktop-window-live.png');

    // Mute by clicking; the toggle then offers Unmute. Unmute again.
    await window.click('Mute');
    const muted = await window.waitForScreen((s) => s.screen === 'live' && s.mute.on);
    assert.equal(muted.mute.label, 'Unmute');
    await window.click('Unmute');
    await window.waitForScreen((s) => s.screen === 'live' && !s.mute.on);
    // The quality indicator fills in from the link's figures.
    const rated = await window.waitForScreen((s) => s.screen === 'live' && s.quality !== null);
    assert.ok(rated.quality.bars >= 0 && rated.quality.bars <= 5);
    assert.match(rated.quality.label, /connection/);

    await t.end();
    const ended = await window.waitForScreen('ended');
    assert.equal(ended.reason, 'Your technician ended the session.');
    await t.waitForStatus('Wendy Window', 'Closed');
    await window.click(ended.back.label);
    const again = await window.waitForScreen('enter_pin');
    assert.equal(again.input, '');

    // The order a person went through, and a picture of each kind of screen.
    const kinds = window.screens().map((s) => s.screen).filter((name, i, all) => name !== all[i - 1]);
    assert.deepEqual(kinds.filter((k) => k !== 'joining' && k !== 'connecting'),
      ['tutorial', 'permissions', 'enter_pin', 'licence', 'waiting', 'live', 'ended', 'enter_pin']);
    // The last picture is saved a frame after its screen is drawn.
    const deadline = Date.now() + 5000;
    while (readdirSync(window.screenshotDir).length < kinds.length && Date.now() < deadline) await sleep(50);
    const pictures = readdirSync(window.screenshotDir).sort();
    assert.deepEqual(pictures.map((p) => p.replace(/^desktop-\d+-|\.png$/g, '')), kinds);
    for (const picture of pictures) {
      const bytes = readFileSync(join(window.screenshotDir, picture));
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${picture} is a PNG`);
      assert.ok(bytes.length > 4000, `${picture} has a drawn screen (${bytes.length} bytes)`);
    }
  } finally {
    await window.stop();
  }
});
