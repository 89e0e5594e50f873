// The real parts of an end-to-end run: the Lens server (with its own SQLite file), the
// desktop customer app, and the technician's console in Debian's Chromium.
//
// Every test that uses these runs inside a network namespace with only loopback
// (tests/run-e2e.sh); all addresses here are 127.0.0.1.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROFILE = process.env.LENS_PROFILE || 'release';
export const BIN = join(ROOT, 'target', PROFILE);
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `lens-${prefix}-`));
  chmodSync(dir, 0o777); // the customer may run as another user (privacy test)
  return dir;
}

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** A child process whose output lines can be awaited. */
export class Proc {
  constructor(name, cmd, args, opts = {}) {
    this.name = name;
    this.lines = [];
    this.waiters = [];
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    this.exited = new Promise((ok) => this.child.once('exit', (code, signal) => ok({ code, signal })));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          this.lines.push(line);
          if (process.env.LENS_TEST_VERBOSE) console.log(`[${name}] ${line}`);
          this.waiters = this.waiters.filter((w) => !w(line));
        }
      });
    }
  }

  /** Resolves with the first line (already seen or coming) that matches. */
  waitFor(regex, timeoutMs = 20000) {
    const seen = this.lines.find((l) => regex.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((ok, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`${this.name}: no line matching ${regex} within ${timeoutMs} ms; output:\n${this.lines.join('\n')}`)),
        timeoutMs,
      );
      this.waiters.push((line) => {
        if (!regex.test(line)) return false;
        clearTimeout(timer);
        ok(line);
        return true;
      });
    });
  }

  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

/** The Lens server on a free loopback port with a fresh database. */
export async function startServer({ pinTtlSecs, extraArgs = [] } = {}) {
  const port = await freePort();
  const dir = tempDir('server');
  const url = `http://127.0.0.1:${port}`;
  const database = `sqlite://${join(dir, 'lens.db')}?mode=rwc`;
  const common = ['--database', database];
  const technicians = [];
  const addTechnician = (email, name, password) => {
    execFileSync(join(BIN, 'lens-server'), ['add-technician', ...common, '--email', email, '--name', name, '--password', password]);
    technicians.push({ email, name, password });
    return { email, name, password };
  };
  const args = ['serve', ...common, '--bind', `127.0.0.1:${port}`, '--public-url', url, ...extraArgs];
  if (pinTtlSecs) args.push('--pin-ttl-secs', String(pinTtlSecs));
  // Technicians exist before the server starts so a test can log in at once.
  const tess = addTechnician('tess@example.com', 'Tess Technician', 'correct horse battery staple');
  const proc = new Proc('server', join(BIN, 'lens-server'), args, { env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' } });
  await proc.waitFor(/listening on/i);
  return { url, port, proc, dir, tess, addTechnician, stop: () => proc.stop() };
}

/**
 * The desktop customer app: `lens join <input>`.
 * `asUser` runs it as another uid so the privacy test can count its packets alone.
 */
export function startCustomer(server, input, { acceptEula = true, asUser, extraArgs = [], eulaStore } = {}) {
  const dir = tempDir('customer');
  const args = [
    'join', input,
    '--server', server.url,
    '--bind-ip', '127.0.0.1',
    '--no-playback',
    '--eula-store', eulaStore || join(dir, 'eula.json'),
    ...extraArgs,
  ];
  if (acceptEula) args.push('--accept-eula');
  let cmd = join(BIN, 'lens');
  if (asUser !== undefined) {
    args.unshift(`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', cmd);
    cmd = 'setpriv';
  }
  return new Proc('customer', cmd, args, { env: { ...process.env, LENS_LOG: process.env.LENS_LOG || 'warn' } });
}

/** Figures from the customer's last `stats:` line. */
export function customerStats(customer) {
  const line = [...customer.lines].reverse().find((l) => l.startsWith('stats:'));
  if (!line) return null;
  return Object.fromEntries(line.slice('stats:'.length).trim().split(/\s+/).map((kv) => {
    const [k, v] = kv.split('=');
    return [k, Number(v)];
  }));
}

export function assertBinariesBuilt() {
  for (const bin of ['lens', 'lens-server']) {
    if (!existsSync(join(BIN, bin))) throw new Error(`${join(BIN, bin)} is missing: run \`make build\` first`);
  }
}
