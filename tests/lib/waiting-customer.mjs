// One session after another, for the benches and the demo: a session created in the console,
// joined by PIN, shown as waiting, handed to the caller, then ended and its customer stopped.

import { startCustomer } from './lens.mjs';

/**
 * Creates a session for `name`, joins it with `join(pin)` (the desktop customer unless a
 * bench joins its own way), waits until the console lists it as waiting, and resolves with
 * what `body(customer)` resolves with, after the technician ended the call. The customer is
 * stopped whatever happens.
 */
export async function withWaitingCustomer(
  { server, technician, name, join = (pin) => startCustomer(server, pin) },
  body,
) {
  const { pin } = await technician.newSession(name);
  const customer = join(pin);
  try {
    await customer.waitFor(/state: waiting_for_technician/);
    await technician.waitForStatus(name, 'Waiting');
    const result = await body(customer);
    await technician.end();
    await customer.waitFor(/state: ended/);
    return result;
  } finally {
    await customer.stop();
  }
}
