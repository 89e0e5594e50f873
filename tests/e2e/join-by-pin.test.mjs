// Seed 000: the technician creates a PIN, the customer types it in the app, accepts the
// EULA, appears as Waiting; the technician clicks Start and sees and hears the customer,
// and the customer hears the technician. Both sides trickle their candidates and the
// console shows the path (direct, on loopback).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCustomer, customerStats } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';
import { stampLayout, watchStamps, stampRecord } from '../lib/stamp.mjs';
import { expectedBarColours, barColoursOnScreen } from '../lib/bars.mjs';

const lens = signedInTechnician();

test('a customer joins by PIN and the technician sees live H.264 video and hears audio', async () => {
  const { pin, mobileLink, desktopLink } = await lens.technician.newSession('Carl Customer');
  assert.match(pin, /^\d{6}$/);
  assert.equal(mobileLink, `${lens.server.url}/${pin}`);
  assert.equal(desktopLink, `${lens.server.url}/?code=${pin}`);

  // The customer types the PIN with a space, as it is read out on the phone.
  const customer = startCustomer(lens.server, `${pin.slice(0, 3)} ${pin.slice(3)}`);
  try {
    await customer.waitFor(/state: waiting_for_technician \(Tess Technician\)/);
    await lens.technician.waitForStatus('Carl Customer', 'Waiting');
    assert.ok((await lens.technician.soundsPlayed()) >= 1, 'a new Waiting session plays a sound');

    await lens.technician.start('Carl Customer');
    await customer.waitFor(/state: live/);
    const video = await lens.technician.waitForStats((s) => s.framesDecoded >= 30 && s.totalSamplesReceived > 48000);
    assert.equal(video.videoCodec, 'video/H264');
    // The synthetic camera is 1280x720; the bitrate ladder sends it at a 16:9 rung that the
    // link's estimate affords (720p, 540p, 360p …), never larger.
    assert.ok(video.frameWidth <= 1280 && video.frameHeight >= 180, `${video.frameWidth}x${video.frameHeight}`);
    assert.equal(video.frameWidth * 9, video.frameHeight * 16);
    assert.equal(video.audioCodec, 'audio/opus');

    // Frames keep coming: the stream is live, not one frame.
    const later = await lens.technician.waitForStats((s) => s.framesDecoded >= video.framesDecoded + 30);
    assert.ok(later.totalSamplesReceived > video.totalSamplesReceived);

    // Each picture carries the time it was captured (the latency bench's stamp): the console
    // reads it back from the decoded pixels, and it is a time of the last seconds: what the
    // technician sees is live, and the bench's reader agrees with the engine's drawing.
    await watchStamps(lens.technician.page, '#remote-video', stampLayout(1280, 720));
    await lens.technician.page.waitForFunction(() => window.__stamps.frames.length >= 30, null, { timeout: 10000 });
    const { frames } = await stampRecord(lens.technician.page);
    const stamped = frames.filter((f) => f.latency !== null);
    assert.ok(stamped.length >= frames.length * 0.8, `${stamped.length} of ${frames.length} stamps read`);
    assert.ok(stamped.every((f) => f.latency < 2000), `capture to screen: ${stamped.map((f) => f.latency).join(', ')} ms`);

    // The technician sees the customer's colours as the camera took them: every bar within a
    // few levels of its colour (a receiver guessing the wrong colour matrix is off by 11 to
    // 30 levels in the yellow, cyan and magenta bars).
    const onScreen = await barColoursOnScreen(lens.technician.page, '#remote-video');
    const expected = expectedBarColours();
    const off = onScreen.map((rgb, bar) => Math.max(...rgb.map((c, i) => Math.abs(c - expected[bar][i]))));
    assert.ok(off.every((d) => d <= 8), `bars on screen ${JSON.stringify(onScreen)}, expected ${JSON.stringify(expected)}`);

    // The technician's microphone reaches the customer's decoder.
    await customer.waitFor(/stats: .*remote_audio_frames_decoded=([1-9]\d{1,})/);
    assert.ok(customerStats(customer).remote_audio_frames_decoded >= 10);

    // The customer's per-second link stats reach the console's stats panel and the customer.
    const panel = await lens.technician.waitForLinkStats();
    assert.match(panel.quality, /^[0-5]\/5 /);
    assert.match(panel.resolution, /^\d+×\d+$/);
    assert.match(panel.sent, /(kbit|Mbit)\/s$/);
    await customer.waitFor(/link: quality=[0-5]\/5 sent_kbps=\d+ .*resolution=\d+x\d+/);

    // Trickle ICE: the answer went out before gathering (no candidate in it), the console's
    // candidates followed one by one; on loopback the live panel shows a direct path.
    await lens.technician.waitForMediaPath('direct');
    assert.equal(await lens.technician.page.getByTestId('media-path').innerText(), 'Direct');
    const wire = await lens.technician.callWire();
    assert.equal(wire.sentAnswers.length, 1);
    assert.doesNotMatch(wire.sentAnswers[0], /a=candidate:/);
    assert.ok(wire.sentCandidates.length >= 1 && wire.sentCandidates.every((c) => / typ host /.test(c)), JSON.stringify(wire.sentCandidates));
    assert.ok(wire.receivedCandidates.length >= 1, 'the customer trickles its candidates');
    assert.equal(wire.callState, 'connected');

    await lens.technician.screenshot('console-live-video.png');

    await lens.technician.end();
    await customer.waitFor(/state: ended \(The technician ended the session\)/);
    const { code } = await customer.exited;
    assert.equal(code, 0);
    await lens.technician.waitForStatus('Carl Customer', 'Closed');
  } finally {
    await customer.stop();
  }
});
