// The technician controls the customer's camera from the console (issue 3, part 6): Pause
// video freezes the picture with a "Paused" label and Resume brings it back; Switch camera on
// a desktop's test picture is refused in words; and when the customer pauses in the app
// (typed `pause` in `lens join`), the technician cannot resume it: only the customer can; and
// a pause belongs to the call the console shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signedInTechnician, liveSession } from '../lib/fixture.mjs';

const lens = signedInTechnician();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Frames the technician's browser decoded; waits `ms` and asks again. */
async function framesOver(t, ms) {
  const before = (await t.receiveStats()).framesDecoded;
  await sleep(ms);
  const after = (await t.receiveStats()).framesDecoded;
  return { before, after };
}

/** The picture stands still: at most one frame that was already on its way. */
async function assertFrozen(t, why) {
  await sleep(500); // frames already in flight when the pause took effect
  const { before, after } = await framesOver(t, 1500);
  assert.ok(after - before <= 1, `${why}: ${after - before} frames decoded in 1.5 s while paused`);
}

/** The picture moves again: 15 more frames (half a second at 30 fps) arrive. */
async function assertAdvancing(t) {
  const { framesDecoded } = await t.receiveStats();
  await t.waitForStats((s) => s.framesDecoded >= framesDecoded + 15, 10000);
}

test('the technician pauses, resumes, asks for the other camera, and cannot lift the customer\'s own pause', async () => {
  const t = lens.technician;
  const page = t.page;
  const customer = await liveSession(lens, 'Vera Video');
  try {
    const paused = page.getByTestId('video-paused');
    const refusal = page.getByTestId('control-refused');
    assert.equal(await paused.isVisible(), false, 'no Paused label while the video plays');

    // Pause video: the label lies over the frozen picture and the customer is told.
    await page.getByRole('button', { name: 'Pause video' }).click();
    await paused.waitFor({ state: 'visible' });
    assert.match(await paused.innerText(), /Paused/);
    await customer.waitFor(/technician: The technician paused your video/);
    await assertFrozen(t, 'after Pause video');

    // Resume video: the label goes and the picture moves again.
    await page.getByRole('button', { name: 'Resume video' }).click();
    await paused.waitFor({ state: 'hidden' });
    await customer.waitFor(/technician: The technician resumed your video/);
    await assertAdvancing(t);

    // The desktop's test picture has no second camera: the console says so in words.
    await page.getByRole('button', { name: 'Switch camera' }).click();
    await refusal.waitFor({ state: 'visible' });
    assert.match(await refusal.innerText(), /Switching camera is not supported/);
    await customer.waitFor(/technician: The technician asked to switch the camera – not done: .*not supported/);

    // The customer pauses in the app: the console shows it, and it is the customer's pause.
    customer.child.stdin.write('pause\n');
    await customer.waitFor(/video: paused/);
    await paused.waitFor({ state: 'visible' });
    assert.match(await paused.innerText(), /Paused – the customer paused the video/);
    await assertFrozen(t, 'after the customer paused');

    // The technician's Resume is refused with the privacy rule, and nothing moves.
    await page.getByRole('button', { name: 'Resume video' }).click();
    await page.getByTestId('control-refused')
      .filter({ hasText: 'The customer paused the video; only they can resume it' })
      .waitFor();
    assert.equal(await paused.isVisible(), true, 'still paused after the refused Resume');
    await assertFrozen(t, 'after the refused Resume');

    // Only the customer resumes it.
    customer.child.stdin.write('resume\n');
    await customer.waitFor(/video: resumed/);
    await paused.waitFor({ state: 'hidden' });
    await assertAdvancing(t);
    assert.equal(await page.getByRole('button', { name: 'Pause video' }).isEnabled(), true);

    // Both controls and the refusals are in the session log.
    await t.row('Vera Video').getByTestId('session-customer').click();
    await page.getByTestId('session-log-entry').filter({ hasText: 'Camera control refused' }).first().waitFor();
    const events = await page.getByTestId('session-log-entry').evaluateAll((els) => els.map((e) => e.dataset.event));
    assert.deepEqual(events.filter((e) => e === 'camera_control' || e === 'control_refused'),
      ['camera_control', 'camera_control', 'camera_control', 'control_refused', 'camera_control', 'control_refused']);
    await t.screenshot('camera-controls.png');

    customer.child.stdin.write('leave\n');
    await customer.waitFor(/state: ended \(The customer left the session\)/);
    await t.waitForStatus('Vera Video', 'Closed');
  } finally {
    await customer.stop();
  }
});

// The console keeps who paused the video for the call it shows; once that call is over
// (here: on hold), nothing is paused on this page any more, so it offers no "Resume video"
// for a picture it does not have. The app repeats its pause with the next offer.
test('a pause belongs to its call: on hold the console offers no Resume video, back live it shows the pause again', async () => {
  const t = lens.technician;
  const page = t.page;
  const customer = await liveSession(lens, 'Paul Paused');
  try {
    const paused = page.getByTestId('video-paused');
    const toggle = page.getByTestId('video-toggle');
    customer.child.stdin.write('pause\n');
    await paused.filter({ hasText: 'Paused – the customer paused the video' }).waitFor();
    assert.equal(await toggle.innerText(), 'Resume video');

    await page.getByTestId('session-hold').click();
    await t.waitForStatus('Paul Paused', 'On hold');
    await page.getByTestId('call-state').filter({ hasText: 'No active session' }).waitFor();
    assert.equal(await paused.isVisible(), false, 'no Paused label without a picture');
    assert.equal(await toggle.innerText(), 'Pause video', 'no "Resume video" while on hold');
    assert.equal(await toggle.isDisabled(), true);

    await t.row('Paul Paused').getByTestId('session-unhold').click();
    await t.waitForStatus('Paul Paused', 'Active');
    await paused.filter({ hasText: 'Paused – the customer paused the video' }).waitFor();
    await page.getByRole('button', { name: 'Resume video' }).and(page.locator(':enabled')).waitFor();

    await t.end();
    await customer.waitFor(/state: ended \(The technician ended the session\)/);
  } finally {
    await customer.stop();
  }
});
