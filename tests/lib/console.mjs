// The technician's console in Debian's Chromium, as a technician uses it.

import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { tempDir, ARTIFACTS } from './lens.mjs';

// See ../shared/SETUP-NOTES.md: without --allow-loopback-in-peer-connection and the fake
// media UI, ICE on loopback never completes; the fake device gives the technician a
// synthetic microphone (a beep) to send back to the customer.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
];

export async function openConsole(server) {
  const context = await chromium.launchPersistentContext(tempDir('chromium'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(['microphone', 'clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(server.url + '/');
  return new Console(context, page, server);
}

export class Console {
  constructor(context, page, server) {
    this.context = context;
    this.page = page;
    this.server = server;
  }

  async login({ email, password }) {
    const p = this.page;
    try {
      await p.getByTestId('login-email').fill(email);
      await p.getByTestId('login-password').fill(password);
      await p.getByTestId('login-submit').click();
      await p.getByTestId('new-session-open').waitFor();
    } catch (error) {
      throw await this.explained(error);
    }
  }

  /** New Session → customer name → Create PIN; returns what the dialog shows. */
  async newSession(customerName) {
    const p = this.page;
    await p.getByTestId('new-session-open').click();
    await p.getByTestId('new-session-name').fill(customerName);
    await p.getByTestId('new-session-create').click();
    const pinText = await p.getByTestId('new-session-pin').innerText({ timeout: 10000 })
      .catch(async (error) => { throw await this.explained(error); });
    const pin = pinText.replace(/\D/g, '');
    const mobileLink = (await p.getByTestId('new-session-link-mobile').innerText()).trim();
    const desktopLink = (await p.getByTestId('new-session-link-desktop').innerText()).trim();
    const manualEntry = (await p.getByTestId('new-session-link-manual').innerText()).trim();
    await p.getByTestId('new-session-close').click();
    return { pin, pinText, mobileLink, desktopLink, manualEntry };
  }

  /** `error` with what the page showed when it happened: whether the page was visible (a
   * hidden one has its timers throttled), the message area's words and the page's own log. */
  async explained(error) {
    const shown = await this.page.evaluate(() => ({
      visibility: document.visibilityState,
      message: document.querySelector('[data-testid="message"]')?.textContent || '',
    })).catch((e) => ({ unreadable: e.message }));
    error.message += `\nthe page: ${JSON.stringify(shown)}\npage log: ${(this.pageLog || []).join('\n')}`;
    return error;
  }

  row(customerName) {
    return this.page.getByTestId('session-row').filter({ hasText: customerName });
  }

  /** Waits until the customer's row shows `status` (as the technician reads it). */
  async waitForStatus(customerName, status, timeout = 20000) {
    await this.row(customerName).getByTestId('session-status').filter({ hasText: new RegExp(status, 'i') }).waitFor({ timeout });
  }

  async rowText(customerName) {
    return this.row(customerName).innerText();
  }

  async start(customerName) {
    await this.row(customerName).getByTestId('session-start').click();
  }

  async end() {
    await this.page.getByTestId('session-end').click();
  }

  /** The text of the console's message area (refusals and notices). */
  async message() {
    return this.page.getByTestId('message').innerText();
  }

  /** How many notification sounds the console has played (window.lens.soundsPlayed). */
  async soundsPlayed() {
    return this.page.evaluate(() => window.lens.soundsPlayed || 0);
  }

  /** What the technician's browser receives, from RTCPeerConnection.getStats(). */
  async receiveStats() {
    return this.page.evaluate(async () => {
      const pc = window.lens && window.lens.pc;
      if (!pc) return null;
      const report = await pc.getStats();
      let video = null, audio = null, outAudio = null;
      const codecs = {};
      report.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') video = r;
        if (r.type === 'inbound-rtp' && r.kind === 'audio') audio = r;
        if (r.type === 'outbound-rtp' && r.kind === 'audio') outAudio = r;
        if (r.type === 'codec') codecs[r.id] = r;
      });
      return {
        framesDecoded: video ? video.framesDecoded || 0 : 0,
        frameWidth: video ? video.frameWidth : undefined,
        frameHeight: video ? video.frameHeight : undefined,
        videoCodec: video && codecs[video.codecId] ? codecs[video.codecId].mimeType : undefined,
        videoFmtp: video && codecs[video.codecId] ? codecs[video.codecId].sdpFmtpLine : undefined,
        totalSamplesReceived: audio ? audio.totalSamplesReceived || 0 : 0,
        audioCodec: audio && codecs[audio.codecId] ? codecs[audio.codecId].mimeType : undefined,
        audioPacketsSent: outAudio ? outAudio.packetsSent || 0 : 0,
      };
    });
  }

  /** The customer's audio as the technician's browser plays it: getStats' audioLevel (0 to 1,
   * the last fraction of a second) and totalAudioEnergy (grows only with sound). */
  async receivedAudio() {
    return this.page.evaluate(async () => {
      const pc = window.lens && window.lens.pc;
      let audio = null;
      if (pc) (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') audio = r; });
      return { level: audio ? audio.audioLevel || 0 : 0, energy: audio ? audio.totalAudioEnergy || 0 : 0 };
    });
  }

  /** Polls getStats until `predicate` holds; returns the stats that satisfied it. */
  async waitForStats(predicate, timeout = 20000) {
    const deadline = Date.now() + timeout;
    let last = null;
    while (Date.now() < deadline) {
      last = await this.receiveStats();
      if (last && predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`stats never satisfied the condition; last: ${JSON.stringify(last)}`);
  }

  /** The live panel's link stats (the customer's per-second "stats" message), once shown. */
  async waitForLinkStats(timeout = 20000) {
    const panel = this.page.getByTestId('link-stats');
    await panel.waitFor({ state: 'visible', timeout });
    const read = (id) => this.page.getByTestId(id).innerText();
    return {
      quality: await read('stat-quality'),
      resolution: await read('stat-resolution'),
      fps: await read('stat-fps'),
      sent: await read('stat-sent'),
      target: await read('stat-target'),
      rtt: await read('stat-rtt'),
      loss: await read('stat-loss'),
    };
  }

  /** Waits until the live panel shows the call's media path: direct, through_nat or relayed. */
  async waitForMediaPath(path, timeout = 20000) {
    await this.page.locator(`[data-testid="media-path"][data-path="${path}"]`).waitFor({ state: 'attached', timeout });
  }

  /** Waits until the live panel's call state (data-state) is `state`, e.g. reconnecting. */
  async waitForCallState(state, timeout = 20000) {
    await this.page.locator(`[data-testid="call-state"][data-state="${state}"]`).waitFor({ state: 'attached', timeout });
  }

  /** What the console's call sent and received (window.lens): candidate lines, offers,
   * answers, reported STUN/TURN errors; and the path it shows. */
  async callWire() {
    return this.page.evaluate(() => ({
      mediaPath: window.lens.mediaPath,
      callState: window.lens.callState,
      sentCandidates: window.lens.sentCandidates,
      receivedCandidates: window.lens.receivedCandidates,
      remoteOffers: window.lens.remoteOffers,
      sentAnswers: window.lens.sentAnswers,
      iceErrors: window.lens.iceErrors,
    }));
  }

  async screenshot(name) {
    const path = join(ARTIFACTS, name);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async close() {
    await this.context.close();
  }
}

/**
 * Watches the console's video element with requestVideoFrameCallback from now on; the
 * returned function gives the longest time between two pictures shown since the last call
 * (ms), and starts the next stretch.
 */
export async function watchPictureGaps(page) {
  await page.evaluate(() => {
    const video = document.getElementById('remote-video');
    window.pictureGaps = { longestMs: 0, last: null };
    const onFrame = (now) => {
      const w = window.pictureGaps;
      if (w.last !== null) w.longestMs = Math.max(w.longestMs, now - w.last);
      w.last = now;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
  return () => page.evaluate(() => {
    const w = window.pictureGaps;
    // A freeze still going on counts up to now.
    const open = w.last === null ? 0 : performance.now() - w.last;
    const gap = Math.max(w.longestMs, open);
    w.longestMs = 0;
    return gap;
  });
}

/** The console's inbound video and audio counters (getStats), for before/after figures. */
export function receiverCounters(page) {
  return page.evaluate(async () => {
    const pc = window.lens && window.lens.pc;
    const out = {
      frames: 0, width: 0, height: 0, freezes: 0, freezeS: 0, samples: 0, concealed: 0, bytes: 0,
    };
    if (!pc) return out;
    (await pc.getStats()).forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      out.bytes += r.bytesReceived || 0;
      if (r.kind === 'video') {
        out.frames = r.framesDecoded || 0;
        out.width = r.frameWidth || 0;
        out.height = r.frameHeight || 0;
        out.freezes = r.freezeCount || 0;
        out.freezeS = r.totalFreezesDuration || 0;
      } else if (r.kind === 'audio') {
        out.samples = r.totalSamplesReceived || 0;
        out.concealed = r.concealedSamples || 0;
      }
    });
    return out;
  });
}

/**
 * What the console received over the next `seconds`: the longest time between two pictures
 * shown (ms), frames decoded per second and the picture size, Chromium's freeze count and
 * time, and the share of audio samples played from packets rather than concealed (0 to 1).
 */
export async function receivingOver(page, seconds) {
  const gap = await watchPictureGaps(page);
  const before = await receiverCounters(page);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await receiverCounters(page);
  const wall = (Date.now() - t0) / 1000;
  const samples = after.samples - before.samples;
  return {
    longestGapMs: await gap(),
    frames: after.frames - before.frames,
    fps: (after.frames - before.frames) / wall,
    size: `${after.width}x${after.height}`,
    freezes: after.freezes - before.freezes,
    freezeS: after.freezeS - before.freezeS,
    audioPlayed: samples > 0 ? 1 - (after.concealed - before.concealed) / samples : 0,
  };
}
