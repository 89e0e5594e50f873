// What the customer and the technician see when something is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCustomer } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// PINs live for 3 seconds here so that expiry can be seen.
const lens = signedInTechnician({ pinTtlSecs: 3 });

async function refused(input, words) {
  const customer = startCustomer(lens.server, input);
  const line = await customer.waitFor(/state: ended|lens: /);
  const { code } = await customer.exited;
  assert.match(line, words);
  return code;
}

test('a wrong PIN is refused with a message the customer understands', async () => {
  const { pin } = await lens.technician.newSession('Walter Wrong');
  const wrong = String((Number(pin) + 1) % 1000000).padStart(6, '0');
  assert.equal(await refused(wrong, /This PIN is not valid/), 3);
});

test('an expired PIN is refused, and the technician sees the session Expired', async () => {
  const { pin } = await lens.technician.newSession('Ernie Expired');
  await sleep(4000);
  assert.equal(await refused(pin, /This PIN has expired/), 3);
  await lens.technician.waitForStatus('Ernie Expired', 'Expired');
});

test('a PIN works once only', async () => {
  const { pin } = await lens.technician.newSession('Una Used');
  const first = startCustomer(lens.server, pin);
  try {
    await first.waitFor(/state: waiting_for_technician/);
    assert.equal(await refused(pin, /already been used/), 3);
  } finally {
    await first.stop();
  }
});

test('a link to another host is refused before anything is sent', async () => {
  const customer = startCustomer(lens.server, 'https://evil.example/123456');
  const line = await customer.waitFor(/lens: /);
  assert.match(line, /evil\.example/);
  assert.equal((await customer.exited).code, 2);
});

test('a technician can have only one active Lens session', async () => {
  const a = await lens.technician.newSession('Alice Active');
  const b = await lens.technician.newSession('Bob Second');
  const alice = startCustomer(lens.server, a.pin);
  const bob = startCustomer(lens.server, b.pin);
  try {
    await lens.technician.waitForStatus('Alice Active', 'Waiting');
    await lens.technician.waitForStatus('Bob Second', 'Waiting');
    await lens.technician.start('Alice Active');
    await lens.technician.waitForStatus('Alice Active', 'Active');
    await lens.technician.start('Bob Second');
    await lens.technician.page.getByTestId('message').filter({ hasText: /already have an active/i }).waitFor({ timeout: 10000 });
    await lens.technician.waitForStatus('Bob Second', 'Waiting');
    // Bob was not started: he is still waiting, and never went live.
    await sleep(1000);
    assert.ok(!bob.lines.some((l) => /state: (connecting|live)/.test(l)), bob.lines.join('\n'));
    await lens.technician.end();
    await alice.waitFor(/state: ended/);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});
