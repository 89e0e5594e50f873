// Transfer (seed 004): during a live session Tess clicks Transfer and hands the session to
// Bob, a colleague signed in to his own console. The customer's app keeps the session (no
// new PIN, no second licence prompt) and waits on hold, naming Bob; Bob reads who sent it,
// clicks Resume and decodes the customer's video. The session log keeps the transfer.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedInTechnician, liveSession } from '../lib/fixture.mjs';
import { openConsole } from '../lib/console.mjs';
import { startCustomer } from '../lib/lens.mjs';

const lens = signedInTechnician();
const colleagues = {};

/** Bob signed in to his own console; Carl with an account but no console open. */
async function colleaguesSignIn() {
  if (colleagues.bob) return;
  const bob = lens.server.addTechnician('bob@example.com', 'Bob Builder', 'another correct horse');
  colleagues.bob = await openConsole(lens.server);
  await colleagues.bob.login(bob);
  lens.server.addTechnician('carl@example.com', 'Carl Colleague', 'yet another horse');
}
after(async () => { await colleagues.bob?.close(); });

test('the technician transfers a live session to a colleague, who continues it', async () => {
  await colleaguesSignIn();
  const tess = lens.technician;
  const bob = colleagues.bob;
  const customer = await liveSession(lens, 'Hanna Handover');
  try {
    await tess.page.getByTestId('session-transfer').click();
    const target = (name) => tess.page.getByTestId('transfer-target').filter({ hasText: name });
    await target('Bob Builder').waitFor();
    assert.equal(await target('Bob Builder').getByTestId('transfer-state').innerText(), 'Signed in');
    assert.equal(await target('Carl Colleague').getByTestId('transfer-state').innerText(),
      'Carl Colleague is not signed in to the console.');
    assert.ok(await target('Carl Colleague').getByTestId('transfer-choose').isDisabled());
    const names = await tess.page.getByTestId('transfer-name').allInnerTexts();
    assert.deepEqual(names, ['Bob Builder', 'Carl Colleague'], 'signed-in colleagues first, never Tess');

    const beforeTransfer = customer.lines.length;
    await target('Bob Builder').getByTestId('transfer-choose').click();
    await tess.page.getByTestId('message').filter({ hasText: 'The session is now with Bob Builder.' }).waitFor();
    // Tess's call ends; the session leaves her list.
    await tess.row('Hanna Handover').waitFor({ state: 'detached' });
    assert.equal(await tess.page.evaluate(() => window.lens.pc), null);

    // The customer's app stops sending and names Bob.
    await customer.waitFor(/technician: transferred to Bob Builder/);
    await customer.waitFor(/state: waiting_for_technician \(Bob Builder\)/);

    // Bob reads who sent it and continues it.
    await bob.page.getByTestId('message')
      .filter({ hasText: "Tess Technician transferred Hanna Handover's session to you." }).waitFor();
    await bob.waitForStatus('Hanna Handover', 'On hold');
    await bob.row('Hanna Handover').getByTestId('session-unhold').click();
    await bob.waitForStats((s) => s.framesDecoded >= 15);
    await bob.waitForStatus('Hanna Handover', 'Active');

    // The same session all along: one join, one licence prompt, and the app is live again.
    const after = customer.lines.slice(beforeTransfer);
    assert.ok(after.some((l) => /state: live/.test(l)), after.join('\n'));
    assert.equal(customer.lines.filter((l) => /state: needs_eula/.test(l)).length, 1, 'one licence prompt');
    assert.equal(customer.lines.filter((l) => /state: resolving_pin/.test(l)).length, 1, 'one join');

    await bob.row('Hanna Handover').getByTestId('session-customer').click();
    const transferred = bob.page.getByTestId('session-log-entry').filter({ hasText: 'Transferred' });
    await transferred.waitFor();
    assert.match(await transferred.innerText(), /From Tess Technician to Bob Builder/);

    await bob.end();
    await customer.waitFor(/state: ended \(The technician ended the session\)/);
  } finally {
    await customer.stop();
  }
});

test('a waiting customer is transferred from the list before anyone started', async () => {
  await colleaguesSignIn();
  const tess = lens.technician;
  const bob = colleagues.bob;
  const { pin } = await tess.newSession('Wanda Waiting');
  const customer = startCustomer(lens.server, pin);
  try {
    await tess.waitForStatus('Wanda Waiting', 'Waiting');
    await tess.row('Wanda Waiting').getByTestId('session-row-transfer').click();
    const bobRow = tess.page.getByTestId('transfer-target').filter({ hasText: 'Bob Builder' });
    await bobRow.getByTestId('transfer-choose').click();
    await tess.row('Wanda Waiting').waitFor({ state: 'detached' });

    // Still waiting, now for Bob: the app names him, and nothing was sent.
    await customer.waitFor(/state: waiting_for_technician \(Bob Builder\)/);
    assert.ok(!customer.lines.some((l) => /state: (connecting|live)/.test(l)), customer.lines.join('\n'));
    await bob.waitForStatus('Wanda Waiting', 'Waiting');
    await bob.start('Wanda Waiting');
    await customer.waitFor(/state: live/);
    await bob.waitForStats((s) => s.framesDecoded >= 15);
    await bob.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
});
