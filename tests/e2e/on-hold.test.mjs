// On hold: during a live session the technician clicks "Put on hold"; the video stops, the
// session stays (On hold in the list, the customer's app waits for the technician again);
// Resume brings the video back. Both steps are in the session log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signedInTechnician, liveSession } from '../lib/fixture.mjs';

const lens = signedInTechnician();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A line matching `regex` printed after the first `from` lines. */
async function printedAfter(proc, from, regex, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const line = proc.lines.slice(from).find((l) => regex.test(l));
    if (line) return line;
    await sleep(50);
  }
  throw new Error(`no line matching ${regex} after line ${from}:\n${proc.lines.join('\n')}`);
}

test('the technician puts a live session on hold and resumes it', async () => {
  const t = lens.technician;
  const customer = await liveSession(lens, 'Hanna Hold');
  try {

    const beforeHold = customer.lines.length;
    await t.page.getByTestId('session-hold').click();
    await t.waitForStatus('Hanna Hold', 'On hold');
    // Media stopped on both sides; the session goes on.
    await printedAfter(customer, beforeHold, /state: waiting_for_technician \(Tess Technician\)/);
    assert.equal(await t.page.evaluate(() => window.lens.pc), null, 'no peer connection while on hold');
    assert.ok(customer.child.exitCode === null, 'the customer app is still in the session');

    const beforeResume = customer.lines.length;
    await t.row('Hanna Hold').getByTestId('session-unhold').click();
    await printedAfter(customer, beforeResume, /state: live/);
    await t.waitForStatus('Hanna Hold', 'Active');
    await t.waitForStats((s) => s.framesDecoded >= 15);

    await t.row('Hanna Hold').getByTestId('session-customer').click();
    await t.page.getByTestId('session-log-entry').filter({ hasText: 'Resumed' }).waitFor();
    const events = await t.page.getByTestId('session-log-entry').evaluateAll((els) => els.map((e) => e.dataset.event));
    assert.deepEqual(events, ['created', 'pin_issued', 'customer_joined', 'eula_accepted', 'started', 'on_hold', 'resumed']);

    await t.end();
    await customer.waitFor(/state: ended \(The technician ended the session\)/);
  } finally {
    await customer.stop();
  }
});
