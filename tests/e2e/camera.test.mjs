// Issue 3, desktop capture: the customer shares a real camera (nokhwa). Runs where the
// machine has one (/dev/video*); elsewhere it is reported as skipped, never as passed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startCustomer } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';

const cameras = readdirSync('/dev').filter((name) => /^video\d+$/.test(name));
const lens = signedInTechnician();

test('the technician sees the customer\'s camera', { skip: cameras.length === 0 && 'no camera on this machine (/dev/video* missing)' }, async () => {
  const { pin } = await lens.technician.newSession('Cam Customer');
  const customer = startCustomer(lens.server, pin, { extraArgs: ['--camera', '0', '--width', '640', '--height', '480'] });
  try {
    await customer.waitFor(/state: waiting_for_technician/);
    await lens.technician.start('Cam Customer');
    await customer.waitFor(/state: live/);
    const stats = await lens.technician.waitForStats((s) => s.framesDecoded >= 30);
    assert.equal(stats.videoCodec, 'video/H264');
    assert.ok(stats.frameWidth > 0 && stats.frameHeight > 0);
    await lens.technician.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
});
