// The setting most end-to-end tests share: a fresh server and a technician signed in to
// the console, for the whole file.

import { before, after } from 'node:test';
import { startServer, startCustomer, assertBinariesBuilt } from './lens.mjs';
import { openConsole } from './console.mjs';

/** Registers the file's before/after hooks; `lens.server` and `lens.technician` are set in `before`. */
export function signedInTechnician(serverOptions = {}) {
  const lens = { server: null, technician: null };
  before(async () => {
    assertBinariesBuilt();
    lens.server = await startServer(serverOptions);
    lens.technician = await openConsole(lens.server);
    await lens.technician.login(lens.server.tess);
  });
  after(async () => {
    await lens.technician?.close();
    await lens.server?.stop();
  });
  return lens;
}

/**
 * A new session for `customerName`, joined by the desktop customer and started from the
 * console; resolves with the customer once the console decodes its picture. The caller
 * stops the customer (`finally { await customer.stop(); }`).
 */
export async function liveSession(lens, customerName) {
  const t = lens.technician;
  const { pin } = await t.newSession(customerName);
  const customer = startCustomer(lens.server, pin);
  try {
    await t.waitForStatus(customerName, 'Waiting');
    await t.start(customerName);
    await customer.waitFor(/state: live/);
    await t.waitForStats((s) => s.framesDecoded >= 15);
    return customer;
  } catch (error) {
    await customer.stop();
    throw error;
  }
}
