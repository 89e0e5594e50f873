// coturn (Debian's `coturn` package) as the tests' STUN and TURN server: a fresh random
// shared secret per run (coturn's "TURN REST API" scheme, the one lens-server issues
// credentials in), UDP only, its own database file and pid file, log lines on stdout.

import { randomBytes, createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './lens.mjs';
import { Netns } from './netlab.mjs';

export const TURNSERVER = '/usr/bin/turnserver';
export const TURN_PORT = 3478;

/**
 * Starts coturn in `ns` on `ip` (listening and relaying on the same address).
 * Resolves with { secret, ip, port, stunUrl, turnUrl, proc, cpuSeconds(), stop() }.
 */
export async function startCoturn(ns, ip, { port = TURN_PORT, minPort = 49152, maxPort = 49451, secret } = {}) {
  if (!existsSync(TURNSERVER)) throw new Error(`${TURNSERVER} is missing: install Debian's coturn (make deps)`);
  secret ||= randomBytes(24).toString('base64url');
  const dir = tempDir('coturn');
  const args = [
    '-n', // no configuration file: everything is on this line
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=lens.test',
    `--listening-ip=${ip}`, `--relay-ip=${ip}`, `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${maxPort}`,
    '--no-tls', '--no-dtls', '--no-cli', '--no-tcp-relay',
    // 10.77.x peers are the test's own hosts; coturn 4.6.1 allows private ranges unless
    // --denied-peer-ip names them, and refuses loopback and multicast peers.
    '--no-multicast-peers',
    '--fingerprint',
    `--db=${join(dir, 'turndb')}`, `--pidfile=${join(dir, 'turnserver.pid')}`,
    '--log-file=stdout', '--simple-log', '--new-log-timestamp',
    '--verbose', // a line per allocation, permission and refusal: what a failing test needs
  ];
  const proc = ns.spawn('coturn', TURNSERVER, args);
  // coturn logs no line once its UDP listener is up: ask it for a binding until it answers.
  try {
    await untilAnswered(ip, port, proc);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  // nsenter execs turnserver in place, so the child's pid is coturn's.
  const pid = proc.child.pid;
  return {
    secret, ip, port, proc, pid,
    stunUrl: `stun:${ip}:${port}`,
    turnUrl: `turn:${ip}:${port}?transport=udp`,
    cpuSeconds: () => Netns.cpuSeconds(pid),
    stop: () => proc.stop(),
  };
}

/** A TURN REST credential as coturn checks it: user `<expiry>:<name>`, base64 HMAC-SHA1. */
export function turnCredential(secret, name, ttlSeconds = 600) {
  const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${name}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * A STUN binding request from this process's namespace to `ip:port`; resolves with the
 * address the server saw ("ip:port", from XOR-MAPPED-ADDRESS) or rejects after `timeoutMs`.
 */
export function stunBinding(ip, port = TURN_PORT, timeoutMs = 500) {
  return new Promise((ok, fail) => {
    const socket = createSocket('udp4');
    const id = randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), id]);
    const timer = setTimeout(() => { socket.close(); fail(new Error(`no STUN answer from ${ip}:${port}`)); }, timeoutMs);
    socket.on('error', (error) => { clearTimeout(timer); socket.close(); fail(error); });
    socket.on('message', (msg) => {
      if (msg.length < 20 || !msg.subarray(8, 20).equals(id)) return;
      clearTimeout(timer);
      socket.close();
      for (let at = 20; at + 4 <= msg.length;) {
        const type = msg.readUInt16BE(at);
        const length = msg.readUInt16BE(at + 2);
        if (type === 0x0020 && length >= 8) { // XOR-MAPPED-ADDRESS, IPv4
          const mappedPort = msg.readUInt16BE(at + 6) ^ 0x2112;
          const addr = [0, 1, 2, 3].map((i) => msg[at + 8 + i] ^ [0x21, 0x12, 0xa4, 0x42][i]).join('.');
          return ok(`${addr}:${mappedPort}`);
        }
        at += 4 + Math.ceil(length / 4) * 4;
      }
      ok(null);
    });
    socket.send(request, port, ip);
  });
}

async function untilAnswered(ip, port, proc, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`coturn exited:\n${proc.lines.join('\n')}`);
    try {
      return await stunBinding(ip, port, 200);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`coturn did not answer on ${ip}:${port}: ${error.message}\n${proc.lines.join('\n')}`);
    }
  }
}
