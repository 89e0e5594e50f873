// What the customer and the technician see when something is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startCustomer, assertBinariesBuilt } from '../lib/lens.mjs';
import { openConsole } from '../lib/console.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server, technician;
before(async () => {
  assertBinariesBuilt();
  // PINs live for 3 seconds here so that expiry can be seen.
  server = await startServer({ pinTtlSecs: 3 });
  technician = await openConsole(server);
  await technician.login(server.tess);
});
after(async () => {
  await technician?.close();
  await server?.stop();
});

async function refused(input, words) {
  const customer = startCustomer(server, input);
  const line = await customer.waitFor(/state: ended|lens: /);
  const { code } = await customer.exited;
  assert.match(line, words);
  return code;
}

test('a wrong PIN is refused with a message the customer understands', async () => {
  const { pin } = await technician.newSession('Walter Wrong');
  const wrong = String((Number(pin) + 1) % 1000000).padStart(6, '0');
  assert.equal(await refused(wrong, /This PIN is not valid/), 3);
});

test('an expired PIN is refused, and the technician sees the session Expired', async () => {
  const { pin } = await technician.newSession('Ernie Expired');
  await sleep(4000);
  assert.equal(await refused(pin, /This PIN has expired/), 3);
  await technician.waitForStatus('Ernie Expired', 'Expired');
});

test('a PIN works once only', async () => {
  const { pin } = await technician.newSession('Una Used');
  const first = startCustomer(server, pin);
  try {
    await first.waitFor(/state: waiting_for_technician/);
    assert.equal(await refused(pin, /already been used/), 3);
  } finally {
    await first.stop();
  }
});

test('a link to another host is refused before anything is sent', async () => {
  const customer = startCustomer(server, 'https://evil.example/123456');
  const line = await customer.waitFor(/lens: /);
  assert.match(line, /evil\.example/);
  assert.equal((await customer.exited).code, 2);
});

test('a technician can have only one active Lens session', async () => {
  const a = await technician.newSession('Alice Active');
  const b = await technician.newSession('Bob Second');
  const alice = startCustomer(server, a.pin);
  const bob = startCustomer(server, b.pin);
  try {
    await technician.waitForStatus('Alice Active', 'Waiting');
    await technician.waitForStatus('Bob Second', 'Waiting');
    await technician.start('Alice Active');
    await technician.waitForStatus('Alice Active', 'Active');
    await technician.start('Bob Second');
    await technician.page.getByTestId('message').filter({ hasText: /already have an active/i }).waitFor({ timeout: 10000 });
    await technician.waitForStatus('Bob Second', 'Waiting');
    // Bob was not started: he is still waiting, and never went live.
    await sleep(1000);
    assert.ok(!bob.lines.some((l) => /state: (connecting|live)/.test(l)), bob.lines.join('\n'));
    await technician.end();
    await alice.waitFor(/state: ended/);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});
