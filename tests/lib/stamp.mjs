// Glass-to-glass latency from decoded pixels: the capture time stamped into each picture as a
// row of black and white cells (engine/src/media/source/clock_stamp.rs draws it into the
// synthetic camera's pictures), read back in Chromium when a picture is presented
// (requestVideoFrameCallback). Both ends run on this machine and share its clock.
//
// The layout repeats clock_stamp.rs's StampLayout::for_size: change them together. The code
// that runs in a page is written out in each page.evaluate (the console's CSP forbids eval,
// so a page cannot be handed a function to build).

const TIME_BITS = 32;
const CHECK_BITS = 8;
const STAMP_BITS = TIME_BITS + CHECK_BITS;

/** clock_stamp.rs's StampLayout::for_size: the cell size and the plate's top-left. */
export function stampLayout(width, height) {
  const cell = Math.min(Math.max(Math.floor(height / 48), 4),
    Math.floor(width / (STAMP_BITS + 3)), Math.floor(height / 4));
  if (cell < 2) throw new Error(`${width}x${height} is too small for a stamp`);
  return { cell, x0: cell, y0: height - cell * 4, bits: STAMP_BITS, checkBits: CHECK_BITS, width, height };
}

/**
 * From now on, records every picture `selector`'s video presents: the stamp read from it, the
 * time Chromium presented it and received its last packet, and its height. `layout` is
 * stampLayout() of the size the sender drew at; a smaller decoded picture is scaled.
 */
export function watchStamps(page, selector, layout) {
  return page.evaluate(({ selector, layout }) => {
    const video = document.querySelector(selector);
    const rowWidth = layout.cell * layout.bits;
    const canvas = new OffscreenCanvas(rowWidth, layout.cell);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const record = { t0: Date.now(), frames: [], unreadable: 0 };
    window.__stamps = record;
    const quarter = Math.max(1, Math.floor(layout.cell / 4));
    const read = (width, height) => {
      const sx = width / layout.width;
      const sy = height / layout.height;
      ctx.drawImage(video, (layout.x0 + layout.cell) * sx, (layout.y0 + layout.cell) * sy,
        rowWidth * sx, layout.cell * sy, 0, 0, rowWidth, layout.cell);
      const top = Math.floor(layout.cell / 2 - quarter / 2);
      let word = 0n;
      for (let bit = 0; bit < layout.bits; bit++) {
        const left = Math.floor(bit * layout.cell + layout.cell / 2 - quarter / 2);
        const { data } = ctx.getImageData(left, top, quarter, quarter);
        let sum = 0;
        for (let i = 0; i < data.length; i += 4) sum += (77 * data[i] + 150 * data[i + 1] + 29 * data[i + 2]) >> 8;
        word = (word << 1n) | (sum / (quarter * quarter) > 127 ? 1n : 0n);
      }
      const value = Number(word >> BigInt(layout.checkBits));
      let check = 0xa5;
      for (let shift = 24; shift >= 0; shift -= 8) check ^= (value >>> shift) & 0xff;
      return check === Number(word & 0xffn) ? value : null;
    };
    const onFrame = (_now, meta) => {
      const presented = performance.timeOrigin + meta.presentationTime;
      const received = meta.receiveTime === undefined ? null : performance.timeOrigin + meta.receiveTime;
      const stamp = read(meta.width, meta.height);
      if (stamp === null) record.unreadable++;
      // The stamp is the capture time modulo 2^32 ms: subtract in the same ring.
      const since = (at) => (at === null || stamp === null ? null : (Math.floor(at) - stamp + 2 ** 32) % 2 ** 32);
      record.frames.push({ at: presented, height: meta.height, latency: since(presented), network: since(received) });
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }, { selector, layout });
}

/** What watchStamps recorded since it started (and the time it started, Date.now()). */
export function stampRecord(page) {
  return page.evaluate(() => window.__stamps);
}

/**
 * The first second, counted from the start of the record, in which `height`-line pictures
 * were presented at least `fps` times: ms from `t0`, or null if none.
 */
export function timeToFullQuality(record, t0, height = 720, fps = 28) {
  const full = record.frames.filter((f) => f.height >= height).map((f) => f.at);
  for (let i = 0; i + fps - 1 < full.length; i++) {
    if (full[i + fps - 1] - full[i] <= 1000) return full[i + fps - 1] - t0;
  }
  return null;
}

/**
 * In a blank page of the sending Chromium: a 1280x720 canvas drawn `fps` times a second with
 * what the synthetic camera draws (colour bars, sensor-like grain, a moving box, the stamp),
 * its track in `window.stampedStream`. Each picture is handed to the track as soon as it is
 * drawn (captureStream(0) + requestFrame), its stamp the time of drawing.
 */
export function startStampedCanvas(page, { width = 1280, height = 720, fps = 30 } = {}) {
  return page.evaluate(async ({ width, height, fps, layout }) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    document.body.append(canvas);
    const ctx = canvas.getContext('2d');
    // Colour bars with grain, eight versions cycled so the grain changes every picture.
    const bars = ['#b4b4b4', '#b4b410', '#10b4b4', '#10b410', '#b410b4', '#b41010', '#1010b4', '#101010'];
    const backgrounds = [];
    let seed = 0x2545f491;
    for (let n = 0; n < 8; n++) {
      bars.forEach((colour, i) => { ctx.fillStyle = colour; ctx.fillRect(i * width / 8, 0, width / 8 + 1, height); });
      const image = ctx.getImageData(0, 0, width, height);
      for (let i = 0; i < image.data.length; i += 4) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        const g = (seed >>> 24) % 13 - 6;
        image.data[i] += g; image.data[i + 1] += g; image.data[i + 2] += g;
      }
      backgrounds.push(await createImageBitmap(image));
    }
    const stream = canvas.captureStream(0);
    const track = stream.getVideoTracks()[0];
    window.stampedStream = stream;
    const size = Math.floor(height / 6) & ~1;
    const bounce = (pos, travel) => { const p = pos % (2 * travel); return p < travel ? p : 2 * travel - p; };
    const draw = (n) => {
      ctx.drawImage(backgrounds[n % 8], 0, 0);
      ctx.fillStyle = '#e87a16';
      ctx.fillRect(bounce(n * 4, width - size), height / 3 + bounce(n * 2, height - height / 3 - size), size, size);
      const value = Date.now() % 2 ** 32;
      let check = 0xa5;
      for (let shift = 24; shift >= 0; shift -= 8) check ^= Math.floor(value / 2 ** shift) & 0xff;
      const word = (BigInt(value) << BigInt(layout.checkBits)) | BigInt(check);
      ctx.fillStyle = '#000';
      ctx.fillRect(layout.x0, layout.y0, (layout.bits + 2) * layout.cell, 3 * layout.cell);
      ctx.fillStyle = '#fff';
      for (let bit = 0; bit < layout.bits; bit++) {
        if ((word >> BigInt(layout.bits - 1 - bit)) & 1n) {
          ctx.fillRect(layout.x0 + layout.cell * (1 + bit), layout.y0 + layout.cell, layout.cell, layout.cell);
        }
      }
      track.requestFrame();
    };
    // Paced to the frame clock, not to the previous picture, as a camera is.
    const start = performance.now();
    let n = 0;
    const tick = () => {
      draw(n++);
      setTimeout(tick, Math.max(0, start + (n * 1000) / fps - performance.now()));
    };
    tick();
  }, { width, height, fps, layout: stampLayout(width, height) });
}
