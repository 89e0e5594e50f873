// Seed 002: a contact-centre agent chatting with a customer clicks "start remote
// assistance". The chat system asks Lens's hand-off API for a session on the agent's
// behalf and pastes the link into the chat; the customer opens it and the agent's console
// shows them Waiting with a sound; "create another PIN" makes the old PIN stop working;
// "end" closes the session and the customer is told.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, startCustomer } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';

const lens = signedInTechnician();

/** The chat system, holding the API key an admin created for it (once the server is up). */
const chat = { key: null };

function apiKey() {
  if (!chat.key) {
    const database = `sqlite://${join(lens.server.dir, 'lens.db')}?mode=rwc`;
    const printed = execFileSync(join(BIN, 'lens-server'), ['api-key', 'create', '--database', database, '--name', 'Contact centre', '--group', 'default'], { encoding: 'utf8' });
    chat.key = printed.trim().split('\n').pop();
    assert.match(chat.key, /^lens_[0-9a-f]{64}$/, 'the key is printed once, on its own line');
  }
  return chat.key;
}

async function api(method, path, body) {
  const response = await fetch(`${lens.server.url}/api/v1/handoff${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

test('the chat system starts a session, the customer opens the mobile link, the agent sees them Waiting', async () => {
  const { status, body: session } = await api('POST', '/sessions', { agent_email: lens.server.tess.email, customer_name: 'Chris Chat' });
  assert.equal(status, 201);
  assert.match(session.pin, /^\d{6}$/);
  assert.equal(session.links.mobile, `${lens.server.url}/${session.pin}`);
  assert.equal(session.links.desktop, `${lens.server.url}/?code=${session.pin}`);
  assert.equal(session.links.manual_entry, `${lens.server.url}/join`);

  // The agent did nothing in the console, yet the session is in their list.
  await lens.technician.waitForStatus('Chris Chat', 'Pending');
  const sounds = await lens.technician.soundsPlayed();
  const customer = startCustomer(lens.server, session.links.mobile);
  try {
    await lens.technician.waitForStatus('Chris Chat', 'Waiting');
    assert.ok((await lens.technician.soundsPlayed()) > sounds, 'the console gives an audible notification');
    await lens.technician.screenshot('handoff-waiting.png');
    const { body: read } = await api('GET', `/sessions/${session.id}`);
    assert.equal(read.status, 'waiting');

    // "End" in the chat dialog: the customer is told, the agent's list shows it closed.
    const { status: ended } = await api('POST', `/sessions/${session.id}/end`);
    assert.equal(ended, 200);
    await customer.waitFor(/state: ended/);
    await lens.technician.waitForStatus('Chris Chat', 'Closed');
  } finally {
    await customer.stop();
  }
});

test('"create another PIN" makes the old PIN refused and the new desktop link works', async () => {
  const { body: first } = await api('POST', '/sessions', { agent_email: lens.server.tess.email, customer_name: 'Petra Repin' });
  const { status, body: second } = await api('POST', `/sessions/${first.id}/pin`);
  assert.equal(status, 200);
  assert.equal(second.id, first.id);
  assert.notEqual(second.pin, first.pin);

  const late = startCustomer(lens.server, first.links.mobile);
  const line = await late.waitFor(/state: ended|lens: /);
  assert.match(line, /This PIN has expired/);
  assert.equal((await late.exited).code, 3);

  const customer = startCustomer(lens.server, second.links.desktop);
  try {
    await lens.technician.waitForStatus('Petra Repin', 'Waiting');
    await lens.technician.start('Petra Repin');
    await customer.waitFor(/state: live/);
    const { body: read } = await api('GET', `/sessions/${first.id}`);
    assert.equal(read.status, 'active');
    await lens.technician.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
});
