// The setting most end-to-end tests share: a fresh server and a technician signed in to
// the console, for the whole file.

import { before, after } from 'node:test';
import { startServer, assertBinariesBuilt } from './lens.mjs';
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
