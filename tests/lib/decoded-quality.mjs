// How good the pictures a receiver decoded were: every `everyMs`, the picture a <video> in
// Chromium presents (requestVideoFrameCallback) is read back, its luma plane as decoded (or,
// for a picture only on the GPU, through RGB with the matrix it declares), and the planes are scored against the synthetic camera's own pictures by
// `target/release/examples/decoded_psnr` (which finds each picture's frame by its counter).
// For bench/side-by-side.mjs: the same pictures from Lens and from Chromium, the same reading.

import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from './lens.mjs';

/** From now on, keeps the luma of one presented `width`x`height` picture every `everyMs`. */
export function sampleDecodedLuma(page, selector, { width = 1280, height = 720, everyMs = 2000 } = {}) {
  return page.evaluate(({ selector, width, height, everyMs }) => {
    // A page may play the audio in a <video> of its own: take the one with a picture.
    const video = [...document.querySelectorAll(selector)]
      .find((v) => v.srcObject && v.srcObject.getVideoTracks().length > 0);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const samples = { planes: [], how: {}, skipped: 0, stop: false, last: -Infinity };
    window.__luma = samples;
    // The luma as decoded, when the decoder's picture is in memory (software decoding, as
    // here): exact, whatever colours the stream declares.
    const decodedLuma = async (frame) => {
      if (frame.format !== 'I420' && frame.format !== 'I420A' && frame.format !== 'NV12') return null;
      const buffer = new Uint8Array(frame.allocationSize());
      const [plane] = await frame.copyTo(buffer);
      const luma = new Uint8Array(width * height);
      for (let row = 0; row < height; row++) {
        luma.set(buffer.subarray(plane.offset + row * plane.stride, plane.offset + row * plane.stride + width), row * width);
      }
      return luma;
    };
    // Otherwise through RGB, undoing the matrix Chromium converted with: the one the stream
    // declares (Lens's H.264 VUI says BT.601, SMPTE 170M), or BT.709 for an HD stream that
    // declares none.
    const rgbLuma = (frame) => {
      const matrix = frame.colorSpace.matrix === 'smpte170m' || frame.colorSpace.matrix === 'bt470bg'
        ? 'bt601' : 'bt709';
      ctx.drawImage(video, 0, 0);
      const [kr, kg, kb] = matrix === 'bt601' ? [65.738, 129.057, 25.064] : [46.742, 157.243, 15.874];
      const rgba = ctx.getImageData(0, 0, width, height).data;
      const luma = new Uint8Array(width * height);
      for (let i = 0, p = 0; p < luma.length; i += 4, p++) {
        // Full-range RGB back to limited-range Y, as the encoders' input was.
        luma[p] = 16 + ((kr * rgba[i] + kg * rgba[i + 1] + kb * rgba[i + 2]) / 256 + 0.5 | 0);
      }
      return { luma, how: `RGB ${matrix}` };
    };
    const onFrame = async (now, meta) => {
      if (samples.stop) return;
      if (now - samples.last >= everyMs) {
        if (meta.width !== width || meta.height !== height) {
          samples.skipped++;
        } else {
          samples.last = now;
          const frame = new VideoFrame(video);
          try {
            const exact = await decodedLuma(frame);
            const { luma, how } = exact ? { luma: exact, how: 'decoded planes' } : rgbLuma(frame);
            samples.how[how] = (samples.how[how] || 0) + 1;
            samples.planes.push(luma);
          } finally {
            frame.close();
          }
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }, { selector, width, height, everyMs });
}

/**
 * Stops sampling and scores what was kept: { mean, min, pictures, unidentified, skipped,
 * how } (dB; how the pictures were read), or null if no picture of the full size was presented.
 */
export async function decodedPsnr(page, { width = 1280, height = 720 } = {}) {
  const count = await page.evaluate(() => { window.__luma.stop = true; return window.__luma.planes.length; });
  const { skipped, how } = await page.evaluate(() => ({ skipped: window.__luma.skipped, how: window.__luma.how }));
  if (count === 0) return null;
  const planes = [];
  for (let i = 0; i < count; i++) {
    // One plane at a time: a whole run's planes in one message would be tens of MB.
    const base64 = await page.evaluate((i) => {
      const plane = window.__luma.planes[i];
      let binary = '';
      for (let at = 0; at < plane.length; at += 0x8000) binary += String.fromCharCode(...plane.subarray(at, at + 0x8000));
      return btoa(binary);
    }, i);
    planes.push(Buffer.from(base64, 'base64'));
  }
  const dir = tempDir('psnr');
  const file = join(dir, 'luma.raw');
  writeFileSync(file, Buffer.concat(planes));
  try {
    const out = execFileSync(join(BIN, 'examples', 'decoded_psnr'), [file, String(width), String(height)], { encoding: 'utf8' });
    const m = out.match(/psnr: mean ([\d.]+) dB, min ([\d.]+) dB over (\d+) pictures \((\d+) not identified\)/);
    if (!m) throw new Error(`decoded_psnr said: ${out}`);
    return { mean: Number(m[1]), min: Number(m[2]), pictures: Number(m[3]), unidentified: Number(m[4]), skipped,
      how: Object.keys(how).join(' + ') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
