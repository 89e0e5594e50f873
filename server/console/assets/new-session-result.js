// What the New Session dialog shows once the server has issued a PIN, whatever the tab:
// the PIN in large digits, how long it is valid, the mobile and desktop links and the
// address for typing the PIN by hand (seeds 002 and 003), each with a Copy button, and
// Create another PIN. Built only from the server's answer, so the PIN and the links are in
// the page only when they are real.
import { $, el, button } from './dom.js';
import { showMessage } from './message.js';

const result = { expiresAt: 0, timer: null };

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    showMessage(what + ' copied to the clipboard.', 'info');
  } catch (_) {
    showMessage('Copying is not allowed here; select the ' + what.toLowerCase() + ' and press Ctrl+C.', 'info');
  }
}

function copyButton(testid, label, text, what) {
  return button(label, { className: 'secondary', testid }, () => copy(text, what));
}

function linkRow(label, key, url, what = label) {
  return el('div', { className: 'link-row' },
    el('span', {}, label),
    el('code', { className: 'link', testid: 'new-session-link-' + key }, url),
    copyButton('new-session-copy-' + key, 'Copy', url, what));
}

function updateCountdown() {
  const target = $('new-session-result').querySelector('[data-testid="new-session-expires"]');
  if (!target) { clearInterval(result.timer); return; }
  const left = Math.max(0, Math.round((result.expiresAt - Date.now()) / 1000));
  target.textContent = left > 0
    ? 'Valid for ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') + ', for one customer only.'
    : 'This PIN has expired. Create another one.';
  if (left === 0) clearInterval(result.timer);
}

/**
 * Shows `created` (the server's CreatedSession) in place of the form. `lines` are what the
 * tab adds (the e-mail's status, the clipboard's); `onAnother(created)` replaces the PIN.
 */
export function showResult(created, lines, onAnother) {
  const pin = el('div', { className: 'pin', testid: 'new-session-pin', 'aria-label': 'PIN' }, created.pin);
  pin.dataset.pin = created.pin;
  const another = button('Create another PIN', { className: 'secondary', testid: 'new-session-another' },
    () => onAnother(created));

  $('new-session-form').hidden = true;
  $('new-session-result').dataset.sessionId = created.session_id;
  $('new-session-result').replaceChildren(
    el('p', {}, 'PIN for ', el('strong', { testid: 'new-session-customer' }, created.customer_name)),
    el('div', { className: 'pin-row' }, pin, copyButton('new-session-copy-pin', 'Copy PIN', created.pin, 'PIN')),
    el('p', { className: 'hint', testid: 'new-session-expires' }),
    ...lines,
    linkRow('Mobile link', 'mobile', created.links.mobile),
    linkRow('Desktop link', 'desktop', created.links.desktop),
    linkRow('PIN by hand', 'manual', created.links.manual_entry, 'Address for typing the PIN'),
    el('p', { className: 'hint' }, 'The customer opens the Lens app and enters the PIN, taps a link, or types '
      + 'the PIN at the address for entering it by hand. The session then appears in the list as Waiting.'),
    another,
  );
  result.expiresAt = created.expires_at;
  clearInterval(result.timer);
  updateCountdown();
  result.timer = setInterval(updateCountdown, 1000);
}

/** Back to an empty form: the last PIN leaves the page. */
export function clearResult() {
  clearInterval(result.timer);
  $('new-session-result').replaceChildren();
  delete $('new-session-result').dataset.sessionId;
  $('new-session-form').hidden = false;
}
