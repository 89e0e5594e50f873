// The page's message area (#message): refusals stay until clicked or replaced, notices
// ('info') go by themselves.
import { $ } from './dom.js';

const INFO_MS = 6000;
let timer = null;

export function showMessage(text, kind = 'error') {
  const box = $('message');
  box.textContent = text;
  box.className = kind === 'info' ? 'message info' : 'message';
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(timer);
  if (kind === 'info') timer = setTimeout(() => { box.hidden = true; }, INFO_MS);
}

export function clearMessage() {
  clearTimeout(timer);
  $('message').hidden = true;
  $('message').textContent = '';
}

$('message').addEventListener('click', clearMessage);
