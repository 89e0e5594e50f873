// Collaborating technicians (seed 004): during a live session Tess clicks Invite technician.
// Bob, a colleague signed in to his console, reads the invitation and joins from it; Xavier,
// an external technician without an account (allowed by the admin's "invite an unlisted
// technician"), types the invitation's PIN on the collaborator page. The customer's desktop
// app sends its picture to each of them over a connection of their own: all three decode it.
// Xavier was not given camera controls and is refused; Bob was and pauses the video. Xavier
// is heard only once Tess lets him talk, and Bob may invite once she lets him. A hold
// pauses everyone's picture and the lead's Resume brings it back to all. The session reads
// Collaborating while they are in; a fifth technician is refused; Tess removes Xavier, Bob
// leaves, and the session log keeps it all. A collaborator whose connection breaks, or whose
// customer's network changes, is offered a new connection by the phone and sees the customer
// again without doing anything.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { signedInTechnician, liveSession } from '../lib/fixture.mjs';
import { openConsole } from '../lib/console.mjs';
import {
  adminAllowsUnlisted, inviteUnlisted, waitForFrames,
} from '../lib/collaboration.mjs';

const lens = signedInTechnician();
const people = {};
// Ada, an admin, lets the Default group invite unlisted technicians (the External tab), once
// for the tests that need it.
const allowUnlisted = async () => { people.ada ??= await adminAllowsUnlisted(lens.server); };
after(async () => {
  for (const browser of [people.bob, people.xavier, people.rita, people.ada]) await browser?.close();
});

/** Waits until the collaborator page's connection sends microphone packets. */
async function waitForAudioSent(page, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const sent = await page.evaluate(async () => {
      const report = await window.lensCollab.stats();
      let packets = 0;
      if (report) report.forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'audio') packets = r.packetsSent || 0; });
      return packets;
    });
    if (sent > 0) return sent;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the collaborator page sent no audio');
}

test('the lead invites a colleague and an external technician, who both see the customer', async () => {
  await allowUnlisted();
  const bobAccount = lens.server.addTechnician('bob@example.com', 'Bob Builder', 'another correct horse');
  people.bob = await openConsole(lens.server);
  await people.bob.login(bobAccount);
  const tess = lens.technician;
  const customer = await liveSession(lens, 'Olga Oven');
  try {
    // Internal tab: Bob, signed in, with camera controls, by link.
    const p = tess.page;
    await p.getByTestId('session-invite').click();
    const bobRow = p.getByTestId('invite-colleague-row').filter({ hasText: 'Bob Builder' });
    await bobRow.waitFor();
    assert.match(await bobRow.innerText(), /Signed in/);
    await bobRow.getByTestId('invite-colleague').check();
    await p.getByTestId('invite-permission').and(p.locator('[data-permission="camera_controls"]')).check();
    await p.getByTestId('invite-method').selectOption('link');
    await p.getByTestId('invite-submit').click();
    await p.getByTestId('invite-result-link').waitFor();
    assert.match(await p.getByTestId('invite-result-link').inputValue(), /\/collaborate#[0-9a-f]{64}$/);
    await p.getByTestId('invite-close').click();

    // Bob's console shows the invitation; Join opens the collaborator page.
    const notice = people.bob.page.getByTestId('collab-invitation');
    await notice.waitFor();
    assert.match(await notice.innerText(), /Tess Technician invites you to collaborate on Olga Oven's session/);
    const [bobPage] = await Promise.all([
      people.bob.context.waitForEvent('page'),
      notice.getByTestId('collab-invitation-join').click(),
    ]);
    await bobPage.getByTestId('collab-session').waitFor();
    assert.equal(await bobPage.getByTestId('collab-customer').innerText(), 'Olga Oven');
    assert.equal(await bobPage.getByTestId('collab-lead').innerText(), 'Tess Technician');
    assert.ok(await bobPage.getByTestId('collab-camera').isVisible(), 'Bob may control the camera');
    assert.ok(!(await bobPage.getByTestId('collab-talk').isVisible()), 'no microphone without talk');
    await waitForFrames(bobPage, 15);

    // External tab: Xavier, unlisted, nothing but watching, by PIN.
    const { pin } = await inviteUnlisted(tess.page, 'Xavier External');
    assert.match(pin, /^\d{6}$/);
    people.xavier = await openConsole(lens.server);
    const xavier = people.xavier.page;
    await xavier.goto(lens.server.url + '/collaborate');
    await xavier.getByTestId('collab-pin').fill(pin);
    await xavier.getByTestId('collab-pin-submit').click();
    await xavier.getByTestId('collab-session').waitFor();
    assert.equal(await xavier.getByTestId('collab-note').innerText(), 'The oven shows error E3; have a look at the display.');
    assert.ok(!(await xavier.getByTestId('collab-camera').isVisible()), 'no camera controls were given');
    await waitForFrames(xavier, 15);

    // All three decode the picture at once; the session reads Collaborating with both listed.
    const tessBefore = (await tess.receiveStats()).framesDecoded;
    await tess.waitForStats((s) => s.framesDecoded >= tessBefore + 15);
    await tess.waitForStatus('Olga Oven', 'Collaborating');
    // The customer's app says who sees the camera: Tess and her two collaborators.
    await customer.waitFor(/watching: 3 technician/);
    const listed = p.getByTestId('collaborator');
    await listed.filter({ hasText: 'Xavier External' }).waitFor();
    assert.deepEqual(await p.getByTestId('collaborator-kind').allInnerTexts(), ['internal', 'external']);

    // Xavier was not given camera controls: the server refuses, the customer hears nothing.
    const linesBefore = customer.lines.length;
    await xavier.evaluate(() => window.lensCollab.send({ type: 'camera_control', control: 'pause_video' }));
    await xavier.getByTestId('collab-refused').filter({ hasText: 'not allowed you to control' }).waitFor();
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!customer.lines.slice(linesBefore).some((l) => /paused your video/.test(l)), customer.lines.slice(linesBefore).join('\n'));

    // Bob was: his Pause reaches the customer, and everyone sees the Paused label.
    await bobPage.getByTestId('collab-video-toggle').click();
    await customer.waitFor(/technician: The technician paused your video/);
    await p.getByTestId('video-paused').waitFor({ state: 'visible' });
    await xavier.getByTestId('collab-paused').waitFor({ state: 'visible' });
    await bobPage.getByTestId('collab-video-toggle').click();
    await customer.waitFor(/technician: The technician resumed your video/);
    await p.getByTestId('video-paused').waitFor({ state: 'hidden' });

    // On hold the collaborators read it; the lead's Resume brings their pictures back too.
    await p.getByTestId('session-hold').click();
    await bobPage.getByTestId('collab-status').filter({ hasText: 'On hold' }).waitFor();
    await xavier.getByTestId('collab-status').filter({ hasText: 'On hold' }).waitFor();
    await tess.waitForStatus('Olga Oven', 'On hold');
    await tess.row('Olga Oven').getByTestId('session-unhold').click();
    await bobPage.getByTestId('collab-status').filter({ hasText: 'Active' }).waitFor();
    await waitForFrames(bobPage, 15);
    await waitForFrames(xavier, 15);
    await tess.waitForStats((s) => s.framesDecoded >= 15);

    // Xavier sends no sound until Tess lets him talk: then his page asks for the microphone
    // and the phone's new connection for him carries his voice.
    assert.equal(await xavier.evaluate(() => window.lensCollab.pc.getSenders().filter((s) => s.track).length), 0);
    await listed.filter({ hasText: 'Xavier External' }).locator('[data-permission="talk"]').check();
    await xavier.getByTestId('collab-talk').waitFor({ state: 'visible' });
    await waitForAudioSent(xavier);

    // Tess lets Bob invite: he invites a third helper from his own page; Tess a fourth. The
    // fifth technician is refused.
    await listed.filter({ hasText: 'Bob Builder' }).locator('[data-permission="invite"]').check();
    await bobPage.getByTestId('session-invite').waitFor({ state: 'visible' });
    assert.ok((await inviteUnlisted(bobPage, 'Third Helper')).pin);
    assert.ok((await inviteUnlisted(tess.page, 'Fourth Helper')).pin);
    const fifth = await inviteUnlisted(tess.page, 'Fifth Helper');
    assert.equal(fifth.pin, null);
    assert.match(fifth.error, /at most 5 technicians/);

    // Tess removes Xavier; Bob leaves; the session is Active again.
    await listed.filter({ hasText: 'Xavier External' }).getByTestId('collaborator-remove').click();
    await xavier.getByTestId('collab-ended-text').filter({ hasText: 'removed you' }).waitFor();
    await bobPage.getByTestId('collab-leave').click();
    await bobPage.getByTestId('collab-ended-text').filter({ hasText: 'You left' }).waitFor();
    await tess.waitForStatus('Olga Oven', 'Active');
    await p.getByTestId('collaborators-panel').waitFor({ state: 'hidden' });
    // Tess's own picture never stopped.
    const tessNow = (await tess.receiveStats()).framesDecoded;
    await tess.waitForStats((s) => s.framesDecoded >= tessNow + 15);

    // The session log keeps who was invited, joined, removed and left.
    await tess.row('Olga Oven').getByTestId('session-customer').click();
    const entries = p.getByTestId('session-log-entry');
    await entries.filter({ hasText: 'Technician left: Bob Builder' }).waitFor();
    const log = (await entries.allInnerTexts()).join('\n');
    for (const line of [
      /Technician invited: Tess Technician invited Bob Builder \(of the organisation\) by link: camera controls/,
      /Technician invited: Tess Technician invited Xavier External \(external, unlisted\) by pin: watch only/,
      /Technician joined: Bob Builder/,
      /Technician joined: Xavier External/,
      /Technician removed: Xavier External/,
      /Technician invited: Bob Builder invited Third Helper \(external, unlisted\) by pin/,
      /Camera control: .*\(by Bob Builder\)/,
    ]) assert.match(log, line);

    await tess.end();
    await customer.waitFor(/state: ended \(The technician ended the session\)/);
  } finally {
    await customer.stop();
  }
});

test('a collaborator whose connection breaks, or whose customer moves to another network, gets a new one from the phone and sees the customer again', async () => {
  await allowUnlisted();
  const tess = lens.technician;
  const customer = await liveSession(lens, 'Pete Pump');
  try {
    const { pin } = await inviteUnlisted(tess.page, 'Rita Remote');
    people.rita = await openConsole(lens.server);
    const rita = people.rita.page;
    await rita.goto(lens.server.url + '/collaborate');
    await rita.getByTestId('collab-pin').fill(pin);
    await rita.getByTestId('collab-pin-submit').click();
    await waitForFrames(rita, 15);
    await customer.waitFor(/watching: 2 technician/);

    // Rita's connection breaks on her side (as when her network drops). The phone notices
    // that its path is gone, gives it a few seconds, and offers her a new connection; her
    // page answers it by itself and decodes the customer's picture again.
    const brokeAt = Date.now();
    await rita.evaluate(() => { window.brokenPc = window.lensCollab.pc; window.brokenPc.close(); });
    await rita.waitForFunction(() => window.lensCollab.pc && window.lensCollab.pc !== window.brokenPc, null, { timeout: 60000 });
    await waitForFrames(rita, 15);
    const seconds = (Date.now() - brokeAt) / 1000;
    console.log(`# Rita decodes the picture again ${seconds.toFixed(1)} s after her connection broke`);
    assert.equal(await rita.getByTestId('collab-call-state').innerText(), 'Connected');
    // Tess's call never stopped.
    const tessNow = (await tess.receiveStats()).framesDecoded;
    await tess.waitForStats((s) => s.framesDecoded >= tessNow + 15);

    // The customer's network changes (an address appears, as on a move to mobile data):
    // the lead's connection restarts ICE, and Rita gets a new connection at once, although
    // her old one still works on this loopback and would never have failed.
    await rita.evaluate(() => { window.beforeMove = window.lensCollab.pc; });
    const movedAt = Date.now();
    const linesBeforeMove = customer.lines.length;
    ip('link', 'add', 'lensmove0', 'type', 'veth', 'peer', 'name', 'lensmove1');
    try {
      ip('addr', 'add', '10.99.0.1/24', 'dev', 'lensmove0');
      ip('link', 'set', 'lensmove0', 'up');
      ip('link', 'set', 'lensmove1', 'up');
      await rita.waitForFunction(() => window.lensCollab.pc && window.lensCollab.pc !== window.beforeMove, null, { timeout: 15000 });
      await waitForFrames(rita, 15);
      console.log(`# after the network change Rita decodes the picture on a new connection ${((Date.now() - movedAt) / 1000).toFixed(1)} s later`);
      assert.ok(customer.lines.slice(linesBeforeMove).some((l) => /network: the addresses changed/.test(l)),
        'the customer app noticed the change');
      const tessAfter = (await tess.receiveStats()).framesDecoded;
      await tess.waitForStats((s) => s.framesDecoded >= tessAfter + 15);
    } finally {
      ip('link', 'del', 'lensmove0');
    }
    await tess.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
});

/** `ip` in this test's own network namespace (tests/netns.sh). */
function ip(...args) {
  execFileSync('ip', args);
}
