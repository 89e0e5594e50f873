// The statistics the benches and the demo print: medians and percentiles of what they
// measured (this machine is shared and noisy, so no figure is one sample).

/** The median; the mean of the middle two of an even count. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** p50, p95 and p99 by the nearest-rank method, and the count. */
export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p95: at(95), p99: at(99), n: sorted.length };
}
