// How the console's modules follow one another without sharing state: one announces
// (signed-in, signed-out, sessions, session-selected, call-changed) and the others listen.
// Events on `document` keep the order of listening, which is the order of the imports in
// main.js.

export function announce(name, detail) {
  document.dispatchEvent(new CustomEvent('lens:' + name, { detail }));
}

export function on(name, handler) {
  document.addEventListener('lens:' + name, (event) => handler(event.detail));
}
