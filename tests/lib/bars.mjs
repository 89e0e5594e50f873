// The synthetic camera's colour bars as the technician sees them: what colour each bar should
// be on screen, and what colour the console's <video> shows it in.
//
// The camera draws 75 % bars in BT.601 limited range (engine/src/media/source/test_pattern.rs,
// BARS) and its H.264 says so (the VUI); a receiver that guessed another matrix would show
// them off by up to 30 levels (BT.709 for an HD stream that says nothing, Chromium's guess).

/** The bars' (Y, U, V), left to right: as BARS in test_pattern.rs. */
const BARS_YUV = [
  [180, 128, 128], [162, 44, 142], [131, 156, 44], [112, 72, 58],
  [84, 184, 198], [65, 100, 212], [35, 212, 114], [16, 128, 128],
];

const clamp = (x) => Math.max(0, Math.min(255, Math.round(x)));

/** Each bar's full-range RGB, converted with BT.601's limited-range matrix. */
export function expectedBarColours() {
  return BARS_YUV.map(([y, u, v]) => {
    const [l, cb, cr] = [1.164 * (y - 16), u - 128, v - 128];
    return [clamp(l + 1.596 * cr), clamp(l - 0.392 * cb - 0.813 * cr), clamp(l + 2.017 * cb)];
  });
}

/**
 * The mean RGB of each bar in the picture `selector` presents now: the middle half of each
 * bar's width, between the frame counter's plate and the moving box's lane (a fifth to three
 * tenths of the height down), so only the bar and its zero-mean grain are averaged.
 */
export function barColoursOnScreen(page, selector) {
  return page.evaluate(async (selector) => {
    const video = document.querySelector(selector);
    await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
    const [w, h] = [video.videoWidth, video.videoHeight];
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(video, 0, 0);
    const [top, bottom] = [Math.round(h * 0.2), Math.round(h * 0.3)];
    return Array.from({ length: 8 }, (_, bar) => {
      const [left, right] = [Math.round(((bar + 0.25) * w) / 8), Math.round(((bar + 0.75) * w) / 8)];
      const { data } = ctx.getImageData(left, top, right - left, bottom - top);
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
      return sum.map((s) => Math.round(s / (data.length / 4)));
    });
  }, selector);
}
