// A small line chart as SVG for the bench scripts (stacked panels over one x axis), so a
// figure over time can be looked at without a plotting library.

const WIDTH = 900;
const PANEL = 200;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 30;

const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);

/** Round bounds for an axis that shows `values` with a little room, from zero when near it. */
function range(values) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo >= 0 && lo < hi * 0.5) lo = 0;
  const pad = Math.max((hi - lo) * 0.1, Math.abs(hi) * 0.02, 1e-6);
  return [lo === 0 ? 0 : lo - pad, hi + pad];
}

/**
 * `x`: the shared x values; `panels`: [{ label, values, color }], one above the other.
 * Returns an SVG document as a string.
 */
export function chart({ title, x, xLabel, panels }) {
  const height = TOP + panels.length * (PANEL + GAP) + 30;
  const [x0, x1] = [Math.min(...x), Math.max(...x)];
  const px = (v) => LEFT + ((v - x0) / Math.max(x1 - x0, 1e-9)) * (WIDTH - LEFT - RIGHT);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = TOP + i * (PANEL + GAP);
    const [lo, hi] = range(panel.values);
    const py = (v) => top + PANEL - ((v - lo) / (hi - lo)) * PANEL;
    parts.push(`<rect x="${LEFT}" y="${top}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = lo + ((hi - lo) * k) / 4;
      parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
      parts.push(`<text x="${LEFT - 6}" y="${py(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`);
    }
    const points = panel.values.map((v, j) => `${px(x[j]).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${panel.color}" stroke-width="2"/>`);
    parts.push(`<text x="${LEFT + 8}" y="${top + 16}" fill="${panel.color}">${esc(panel.label)}</text>`);
  });
  const bottom = TOP + panels.length * (PANEL + GAP) - GAP;
  for (const v of [x0, Math.round((x0 + x1) / 2), x1]) {
    parts.push(`<text x="${px(v)}" y="${bottom + 16}" text-anchor="middle">${v}</text>`);
  }
  parts.push(`<text x="${WIDTH / 2}" y="${bottom + 32}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
