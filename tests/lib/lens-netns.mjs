// The real Lens parts placed in the lab's namespaces (netlab.mjs): the server on the public
// address with STUN/TURN from coturn, the desktop customer in a namespace of its own, the
// technician's Chromium in another. lens.mjs and console.mjs do the same on loopback.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { BIN, Proc, tempDir } from './lens.mjs';
import { openConsole } from './console.mjs';

async function freePort(ip) {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, ip, () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * lens-server in the public namespace (this process's) on `ip`, with a fresh database,
 * Tess (a technician) and Ada (an admin, for the admin API).
 * `ice`: { stunUrl, turnUrl, secret, ttl } – each optional.
 */
export async function startServerOn(ip, { port, ice = {}, extraArgs = [] } = {}) {
  port ||= await freePort(ip);
  const dir = tempDir('server');
  const url = `http://${ip}:${port}`;
  const database = `sqlite://${join(dir, 'lens.db')}?mode=rwc`;
  const common = ['--database', database];
  const add = (email, name, password, admin = false) => {
    execFileSync(join(BIN, 'lens-server'), ['add-technician', ...common, '--email', email, '--name', name,
      '--password', password, ...(admin ? ['--admin'] : [])]);
    return { email, name, password };
  };
  const tess = add('tess@example.com', 'Tess Technician', 'correct horse battery staple');
  const ada = add('ada@example.com', 'Ada Admin', 'admin password here', true);
  const args = ['serve', ...common, '--bind', `${ip}:${port}`, '--public-url', url, ...extraArgs];
  if (ice.stunUrl) args.push('--stun-url', ice.stunUrl);
  if (ice.turnUrl) args.push('--turn-url', ice.turnUrl);
  if (ice.ttl) args.push('--turn-credential-ttl', String(ice.ttl));
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info' };
  // The secret goes by environment, as an operator should pass it (not in the process list).
  if (ice.secret) env.LENS_TURN_SECRET = ice.secret;
  const proc = new Proc('server', join(BIN, 'lens-server'), args, { env });
  await proc.waitFor(/listening on/i);
  const server = { url, port, ip, proc, dir, tess, ada, stop: () => proc.stop() };
  server.admin = adminClient(server);
  return server;
}

/** The admin API as Ada, from this process (the public side reaches the server). */
function adminClient(server) {
  let cookie = null;
  const call = async (method, path, body) => {
    if (!cookie) {
      const login = await fetch(`${server.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: server.ada.email, password: server.ada.password }),
      });
      if (!login.ok) throw new Error(`admin log-in: ${login.status} ${await login.text()}`);
      cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    }
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { cookie, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    call,
    /** Turns the relay-only option of `email`'s group on or off; returns the group. */
    async setRelayOnly(email, relayOnly) {
      const technicians = await call('GET', '/api/admin/technicians');
      const member = technicians.find((t) => t.email === email);
      if (!member) throw new Error(`no technician ${email}`);
      return call('PUT', `/api/admin/groups/${encodeURIComponent(member.group_id)}`, { relay_only: relayOnly });
    },
  };
}

/**
 * `lens join <input>` in namespace `ns`, bound to every interface there (0.0.0.0) so that
 * webrtc-rs gathers the namespace's addresses and gathers them again on an ICE restart.
 */
export function startCustomerIn(ns, server, input, { extraArgs = [] } = {}) {
  const dir = tempDir('customer');
  const args = [
    'join', input,
    '--server', server.url,
    '--bind-ip', '0.0.0.0',
    '--no-playback',
    '--eula-store', join(dir, 'eula.json'),
    '--accept-eula',
    ...extraArgs,
  ];
  return ns.spawn('customer', join(BIN, 'lens'), args, {
    env: { ...process.env, LENS_LOG: process.env.LENS_LOG || 'warn' },
  });
}

/**
 * The technician's console (console.mjs) in a Chromium that runs in namespace `ns`.
 * `secureOrigins`: the servers' origins (http://10.77.…) Chromium must treat as secure, as it
 * treats http://127.0.0.1: without that, no microphone (getUserMedia is not even defined) and
 * the page's own host candidates hide behind mDNS names.
 */
export async function openConsoleIn(ns, server, secureOrigins = [server.url]) {
  const saved = process.env.CHROMIUM;
  // console.mjs reads CHROMIUM when it launches; the wrapper enters the namespace first.
  process.env.CHROMIUM = ns.wrapperScript(saved || '/usr/bin/chromium', {
    args: [`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`],
    // Between namespaces the page has real addresses; with this flag it would also offer
    // 127.0.0.1 candidates, which coturn refuses as peers (403 Forbidden IP).
    drop: ['--allow-loopback-in-peer-connection'],
  });
  try {
    return await openConsole(server);
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM;
    else process.env.CHROMIUM = saved;
  }
}

/** The session log of `sessionId` as the signed-in technician's page reads it. */
export async function sessionLog(technician, sessionId) {
  return technician.page.evaluate(async (id) => {
    const response = await fetch(`api/sessions/${encodeURIComponent(id)}/log`);
    if (!response.ok) throw new Error(`session log: ${response.status}`);
    return response.json();
  }, sessionId);
}
