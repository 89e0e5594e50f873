// Which path the call's media takes (direct, through NAT, relayed through TURN), read from
// the console's own getStats once a second while a call exists: the selected candidate
// pair's two candidate types decide. The same reading tells reconnecting.js whether frames
// decode again.
import { $ } from './dom.js';
import { on } from './bus.js';
import { currentPc } from './call.js';
import { selectedPair, describePath } from './ice.js';
import { framesDecoded } from './reconnecting.js';

const POLL_MS = 1000;

const state = {
  timer: null,
  pc: null,
  // 'unknown' until a pair is selected; then direct | through_nat | relayed.
  path: 'unknown',
  // The selected pair's candidates as getStats has them (type, protocol, address …).
  pair: null,
};

/** The current call's path (window.lens.mediaPath). */
export const mediaPath = () => state.path;
/** The selected pair: { path, local, remote } with getStats' candidate entries, or null. */
export const mediaPair = () => state.pair;

function show() {
  const element = $('media-path');
  element.dataset.path = state.path;
  element.textContent = state.path === 'unknown' ? '' : describePath(state.path);
  element.title = state.pair && state.pair.local
    ? `This side: ${state.pair.local.candidateType} over ${state.pair.local.protocol}` : '';
  element.hidden = state.path === 'unknown';
}

async function poll() {
  const pc = currentPc();
  if (!pc) return;
  let report;
  try {
    report = await pc.getStats();
  } catch (_) {
    return; // closed meanwhile
  }
  if (pc !== currentPc()) return;
  const selected = selectedPair(report);
  state.pair = selected ? { path: selected.path, local: selected.local, remote: selected.remote } : null;
  state.path = selected ? selected.path : 'unknown';
  show();
  let frames = 0;
  report.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded || 0; });
  framesDecoded(pc, frames);
}

// Polls while a call exists; a new call starts from "unknown".
on('call-changed', () => {
  const pc = currentPc();
  if (pc === state.pc) return;
  state.pc = pc;
  state.path = 'unknown';
  state.pair = null;
  show();
  clearInterval(state.timer);
  state.timer = pc ? setInterval(poll, POLL_MS) : null;
});
