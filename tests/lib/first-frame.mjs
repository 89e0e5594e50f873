// The time from the technician's click on Start to the first video frame the console decoded,
// for the benches (bench/networks.mjs, bench/latency.mjs).

/** Clicks Start inside the page and polls getStats every 5 ms until a frame is decoded. */
export async function startToFirstFrame(technician, customerName) {
  await technician.row(customerName).getByTestId('session-start').waitFor();
  return technician.page.evaluate(async (name) => {
    const rows = [...document.querySelectorAll('[data-testid=session-row]')];
    const row = rows.find((r) => r.innerText.includes(name));
    const t0 = performance.now();
    row.querySelector('[data-testid=session-start]').click();
    for (;;) {
      const pc = window.lens && window.lens.pc;
      if (pc) {
        let decoded = 0;
        (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') decoded = r.framesDecoded || 0; });
        if (decoded > 0) return performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 5));
      if (performance.now() - t0 > 30000) throw new Error('no frame within 30 s');
    }
  }, customerName);
}
