// A phone shell's pushed camera, received by Chromium: `target/release/examples/push_frames`
// stands in for the Android/iOS app (it pushes frames through the same engine calls the FFI
// makes), and a blank Chromium page is the receiver. No server: the offer and answer go
// through the pusher's stdin and stdout.

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Proc, tempDir } from './lens.mjs';

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // A blank page never asked for the camera, so Chromium would hide its loopback address
  // behind an mDNS name the engine (mDNS off in the namespace) cannot resolve.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export const PUSHER = join(BIN, 'examples', 'push_frames');

export function assertPusherBuilt() {
  if (!existsSync(PUSHER)) throw new Error(`${PUSHER} is missing: run make build-examples`);
}

/** Starts the pusher and a Chromium receiver, and connects them. */
export async function connectPusher(extraArgs = []) {
  const pusher = new Proc('pusher', PUSHER, extraArgs);
  const offerLine = await pusher.waitFor(/^\{"sdp"|"type":"offer"/);
  const offer = JSON.parse(offerLine);
  const context = await chromium.launchPersistentContext(tempDir('chromium-push'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
  const page = context.pages()[0] || (await context.newPage());
  const answer = await page.evaluate(async (sdp) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    window.pc = pc;
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    document.body.appendChild(video);
    window.video = video;
    pc.ontrack = (e) => {
      if (e.track.kind === 'video') video.srcObject = new MediaStream([e.track]);
    };
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== 'complete') {
      // Host candidates on loopback take milliseconds; do not wait on anything slower.
      await new Promise((ok) => {
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && ok());
        setTimeout(ok, 2000);
      });
    }
    return pc.localDescription.sdp;
  }, offer.sdp);
  pusher.child.stdin.write(JSON.stringify({ type: 'answer', sdp: answer }) + '\n');
  return new PushedReceiver(pusher, context, page);
}

export class PushedReceiver {
  constructor(pusher, context, page) {
    this.pusher = pusher;
    this.context = context;
    this.page = page;
    this.replies = 0;
  }

  /** Sends one command line and waits for the pusher's reply of `type`. */
  async command(line, type) {
    const before = this.pusher.lines.length;
    this.pusher.child.stdin.write(line + '\n');
    const re = new RegExp(`"type":"${type}"`);
    for (let i = 0; i < 100; i++) {
      const hit = this.pusher.lines.slice(before).find((l) => re.test(l));
      if (hit) return JSON.parse(hit);
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`no ${type} reply to ${line}`);
  }

  /** The decoded picture now (see `grabPicture`). */
  grab() {
    return grabPicture(this.page.locator('video'));
  }

  /** Inbound RTP counters of both tracks, and the size of the pictures as they travelled
   * (the decoder's; the <video> shows them turned by whatever video orientation came with
   * them). */
  stats() {
    return this.page.evaluate(async () => {
      const out = { framesDecoded: 0, audioPackets: 0, frameWidth: 0, frameHeight: 0 };
      (await window.pc.getStats()).forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        if (r.kind === 'video') {
          out.framesDecoded = r.framesDecoded || 0;
          out.frameWidth = r.frameWidth || 0;
          out.frameHeight = r.frameHeight || 0;
        }
        if (r.kind === 'audio') out.audioPackets = r.packetsReceived || 0;
      });
      return out;
    });
  }

  async close() {
    await this.context.close().catch(() => {});
    await this.pusher.stop();
  }
}

/** True when every channel of `got` is within `tolerance` of `want`. */
export function near(got, want, tolerance = 40) {
  return got && got.every((c, i) => Math.abs(c - want[i]) <= tolerance);
}

/** The picture a <video> (a Playwright locator or element handle) shows now: its size, and
 * the mean colour of a 32x32 patch centred 48 px in from each corner (inside the pushers'
 * 96 px marker when the marker is there). */
export function grabPicture(video) {
  return video.evaluate((v) => {
    const w = v.videoWidth, h = v.videoHeight;
    if (!w || !h) return { width: 0, height: 0 };
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0, w, h);
    const patch = (cx, cy) => {
      const d = ctx.getImageData(cx - 16, cy - 16, 32, 32).data;
      const sum = [0, 0, 0];
      for (let i = 0; i < d.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += d[i + c];
      return sum.map((s) => Math.round(s / (d.length / 4)));
    };
    return {
      width: w,
      height: h,
      corners: {
        topLeft: patch(48, 48),
        topRight: patch(w - 48, 48),
        bottomLeft: patch(48, h - 48),
        bottomRight: patch(w - 48, h - 48),
      },
    };
  });
}

/** Where the pushers' marker, drawn in the buffer's top-left corner, is once the picture is
 * turned clockwise by the rotation the shell asked for. */
export const MARKER_CORNER = { 0: 'topLeft', 90: 'topRight', 180: 'bottomRight', 270: 'bottomLeft' };
