// Seeds 002 and 003: the customer opens the link the technician pasted into a chat
// (the mobile form https://host/123456 and the desktop form https://host/?code=123456).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCustomer } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';

const lens = signedInTechnician();

for (const form of ['mobile', 'desktop']) {
  test(`a customer joins with the ${form} link and the technician sees the video`, async () => {
    const name = `Linda Link (${form})`;
    const session = await lens.technician.newSession(name);
    const link = form === 'mobile' ? session.mobileLink : session.desktopLink;
    const customer = startCustomer(lens.server, link);
    try {
      await lens.technician.waitForStatus(name, 'Waiting');
      await lens.technician.start(name);
      const stats = await lens.technician.waitForStats((s) => s.framesDecoded >= 15 && s.totalSamplesReceived > 0);
      assert.equal(stats.videoCodec, 'video/H264');
      // A 16:9 rung of the bitrate ladder (the synthetic camera is 1280x720).
      assert.equal(stats.frameWidth * 9, stats.frameHeight * 16);
      await customer.waitFor(/state: live/);
      await lens.technician.end();
      await customer.waitFor(/state: ended/);
      assert.equal((await customer.exited).code, 0);
    } finally {
      await customer.stop();
    }
  });
}
