// Issue 3, desktop capture: the customer shares a real microphone (cpal, here on a private
// PulseAudio daemon whose source hears speech made by espeak-ng), and the technician hears
// it: the level in Chromium follows the speech, loud during the words and quiet in the pause.
// Then the customer mutes, and the technician hears nothing while the customer speaks on. A
// microphone that does not exist does not end the session: the technician is told and still
// sees the camera.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCustomer, tempDir } from '../lib/lens.mjs';
import { signedInTechnician } from '../lib/fixture.mjs';
import { startPulse, makeSpeech } from '../lib/pulse.mjs';

let pulse;
before(async () => {
  pulse = await startPulse();
  // The customer process inherits these: ALSA's default device is the private daemon.
  Object.assign(process.env, pulse.env);
});
after(async () => { await pulse?.stop(); });

const lens = signedInTechnician();

/** Samples the technician's received audio level (getStats audioLevel) every 50 ms. */
function sampleLevels(page, ms) {
  return page.evaluate(async (ms) => {
    const out = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const report = await window.lens.pc.getStats();
      report.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') out.push([Date.now(), r.audioLevel || 0]);
      });
      await new Promise((ok) => setTimeout(ok, 50));
    }
    return out;
  }, ms);
}

/** Mean measured level in each 100 ms window of the speech, assuming `latency` ms of delay. */
function windows(levels, startMs, latency, count) {
  return Array.from({ length: count }, (_, k) => {
    const from = startMs + latency + k * 100;
    const inside = levels.filter(([t]) => t >= from && t < from + 100).map(([, l]) => l);
    return inside.length ? inside.reduce((a, b) => a + b, 0) / inside.length : 0;
  });
}

function correlation(a, b) {
  const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

test('the technician hears the customer\'s microphone follow the speech, and nothing while muted', async (t) => {
  const speech = makeSpeech(tempDir('speech'));
  const { pin } = await lens.technician.newSession('Mia Microphone');
  const customer = startCustomer(lens.server, pin, { extraArgs: ['--mic', 'default'] });
  try {
    await customer.waitFor(/state: waiting_for_technician/);
    await lens.technician.start('Mia Microphone');
    await customer.waitFor(/state: live/);
    await lens.technician.waitForStats((s) => s.totalSamplesReceived > 48000);

    const startedAt = Date.now();
    const [levels] = await Promise.all([
      sampleLevels(lens.technician.page, speech.duration * 1000 + 1500),
      pulse.play(speech.path),
    ]);
    const expected = speech.envelope;

    // The path adds some delay (capture, jitter buffers, decoding); find it as the lag that
    // lines the measured level up best with the speech's known envelope.
    let best = { latency: 0, r: -1 };
    for (let latency = 0; latency <= 1000; latency += 50) {
      const r = correlation(windows(levels, startedAt, latency, expected.length), expected);
      if (r > best.r) best = { latency, r };
    }
    const measured = windows(levels, startedAt, best.latency, expected.length);
    const peak = Math.max(...expected);
    const loud = measured.filter((_, k) => expected[k] > 0.3 * peak);
    const loudMean = loud.reduce((a, b) => a + b, 0) / loud.length;
    // The middle of the 1.5 s pause, clear of the words' edges.
    const gap = measured.slice(Math.ceil(speech.gapStart * 10) + 3, Math.floor(speech.gapEnd * 10) - 3);
    const detail = JSON.stringify({ best, loudMean, gap, measured: measured.map((v) => v.toFixed(3)) });

    t.diagnostic(`level follows speech: correlation ${best.r.toFixed(2)} at ${best.latency} ms delay; words ${loudMean.toFixed(3)}, pause max ${Math.max(...gap).toFixed(4)}`);
    assert.ok(best.r > 0.6, `the level follows the speech (correlation ${best.r.toFixed(2)}): ${detail}`);
    assert.ok(loudMean > 0.02, `the words are heard: ${detail}`);
    assert.ok(gap.length >= 5 && Math.max(...gap) < 0.25 * loudMean, `the pause is quiet: ${detail}`);

    // Muted: the customer goes on speaking, the technician hears silence, and the audio
    // track stays up (samples keep arriving).
    customer.child.stdin.write('mute\n');
    await customer.waitFor(/microphone: muted/);
    const before = await lens.technician.receiveStats();
    const [mutedLevels] = await Promise.all([
      sampleLevels(lens.technician.page, speech.duration * 1000 + 1000),
      pulse.play(speech.path),
    ]);
    const after = await lens.technician.receiveStats();
    const settled = mutedLevels.slice(10).map(([, l]) => l); // past the 0.5 s before mute took hold
    assert.ok(Math.max(...settled) < 0.25 * loudMean, `nothing is heard while muted: max ${Math.max(...settled)}`);
    assert.ok(after.totalSamplesReceived > before.totalSamplesReceived + 48000, 'the muted track keeps playing silence');
    t.diagnostic(`muted: max level ${Math.max(...settled).toFixed(4)}`);

    await lens.technician.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
});

test('a microphone that does not exist is reported to the technician and the camera still streams', async () => {
  const { pin } = await lens.technician.newSession('Nick Nomic');
  const customer = startCustomer(lens.server, pin, { extraArgs: ['--mic', 'no-such-microphone'] });
  try {
    await customer.waitFor(/state: waiting_for_technician/);
    await lens.technician.start('Nick Nomic');
    await customer.waitFor(/device: The customer has no microphone/);
    await customer.waitFor(/state: live/);
    await lens.technician.waitForStats((s) => s.framesDecoded >= 30);
    assert.match(await lens.technician.message(), /The customer has no microphone/);
    assert.match(await lens.technician.message(), /no-such-microphone/);

    await lens.technician.end();
    await customer.waitFor(/state: ended/);
  } finally {
    await customer.stop();
  }
});
