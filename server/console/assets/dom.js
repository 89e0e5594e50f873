// Building the console's DOM. Text goes in as text nodes only (never HTML), so nothing a
// customer or technician typed can become markup.

export const $ = (id) => document.getElementById(id);

/**
 * `el('button', { testid: 'x', type: 'button', className: 'small' }, 'Label', child…)`.
 * `testid` becomes data-testid; a known property (value, checked, href …) is set as one,
 * anything else as an attribute.
 */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'testid') e.setAttribute('data-testid', value);
    else if (key in e) e[key] = value;
    else e.setAttribute(key, value);
  }
  e.append(...children);
  return e;
}

/** A small button that runs `onClick`. */
export function button(label, attrs, onClick) {
  const b = el('button', Object.assign({ type: 'button' }, attrs), label);
  b.addEventListener('click', onClick);
  return b;
}
