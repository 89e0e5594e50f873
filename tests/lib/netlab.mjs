// Networks of our own for the tests: network namespaces joined by veth pairs, built inside
// the loopback-only namespace of tests/netns.sh (as root).
//
// The test's own namespace (the one tests/netns.sh made) is "the public side": it holds the
// Lens server and coturn on 10.77.0.1 and does not forward (a new namespace starts with
// net.ipv4.ip_forward=0, which `publicSide` checks), so hosts joined only to it cannot
// reach each other. Node reaches the server there directly.
//
// Every other namespace is held by a keeper process (`unshare -n` then `cat`, reading a pipe
// from this process) instead of `ip netns add`: /run/netns is the machine's, shared with
// every other run, while a keeper's namespace (and its veth pairs) vanishes with it, even
// when the test process is killed, because the pipe closes and cat exits.

import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Proc, tempDir } from './lens.mjs';
import { TICKS_PER_SECOND, cpuTicks } from './proc.mjs';

export const PUBLIC_BRIDGE = 'lab0';
export const PUBLIC_IP = '10.77.0.1';
/** The public side's subnet: the bridge the technician and NAT routers' uplinks share. */
export const PUBLIC_PREFIX = 24;

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`${cmd} ${args.join(' ')}: ${error.stderr || error.message}`);
  }
}

/** One network namespace of the lab; `null` pid means the test's own (public) namespace. */
export class Netns {
  constructor(name, keeper) {
    this.name = name;
    this.keeper = keeper;
    this.pid = keeper ? keeper.pid : null;
  }

  /** `cmd args` prefixed so that it runs in this namespace. */
  wrap(cmd, args = []) {
    if (this.pid === null) return [cmd, args];
    return ['nsenter', [`--net=/proc/${this.pid}/ns/net`, '--', cmd, ...args]];
  }

  /** Runs a command here to completion; returns its stdout, throws with its stderr. */
  exec(cmd, ...args) {
    const [c, a] = this.wrap(cmd, args);
    return run(c, a);
  }

  ip(...args) {
    return this.exec('ip', ...args);
  }

  /** A long-running process here whose output lines can be awaited (lens.mjs's Proc). */
  spawn(label, cmd, args = [], opts = {}) {
    const [c, a] = this.wrap(cmd, args);
    return new Proc(label, c, a, opts);
  }

  /**
   * Drops UDP packets from `sources` (addresses) to `port` as they arrive in this namespace,
   * until the returned function is called: packet loss on the way, so the senders see no
   * error and retransmit (an output-hook drop would fail their sendto with EPERM instead).
   */
  dropIncomingUdp(sources, port) {
    return this.inputRule(`lens_drop_${port}`, `ip saddr { ${sources.join(', ')} } udp dport ${port} drop`);
  }

  /**
   * Drops `share` (0 to 1) of the UDP packets from `source` arriving in this namespace, at
   * random and each on its own (nftables' numgen): a lossy link for media, until the
   * returned function is called.
   */
  loseIncomingUdp(source, share) {
    return this.inputRule('lens_loss',
      `ip saddr ${source} meta l4proto udp numgen random mod 1000 < ${Math.round(share * 1000)} drop`);
  }

  /** Adds `rule` to the input hook in an nftables table of its own, until the returned
   * function (which may be called more than once) deletes the table. */
  inputRule(table, rule) {
    const rules = `table inet ${table} {
      chain in { type filter hook input priority filter; policy accept;
        ${rule}; }
    }\n`;
    const file = join(tempDir('nft'), `${table}.nft`);
    writeFileSync(file, rules);
    this.exec('nft', '-f', file);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.exec('nft', 'delete', 'table', 'inet', table);
    };
  }

  /** The IPv4 addresses on this namespace's interfaces other than loopback. */
  addresses() {
    const listing = JSON.parse(this.ip('-j', '-4', 'addr', 'show'));
    return listing.filter((l) => l.ifname !== 'lo').flatMap((l) => l.addr_info.map((a) => a.local));
  }

  /**
   * An executable that runs `target` in this namespace with `args`, then its own arguments
   * less those in `drop`: what a launcher that takes an executable path (Playwright's) needs.
   */
  wrapperScript(target, { args = [], drop = [] } = {}) {
    const path = join(tempDir('netns-wrapper'), `in-${this.name}.sh`);
    const enter = this.pid === null ? '' : `nsenter --net=/proc/${this.pid}/ns/net -- `;
    const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
    const filter = drop.length === 0 ? '' : [
      // Rebuilds "$@" without the dropped arguments (POSIX sh has no arrays).
      'for a in "$@"; do shift; case "$a" in',
      `  ${drop.map(quote).join('|')}) ;;`,
      '  *) set -- "$@" "$a" ;;',
      'esac; done',
    ].join('\n') + '\n';
    writeFileSync(path, `#!/bin/sh\n${filter}exec ${enter}${target} ${args.map(quote).join(' ')} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** The CPU seconds (user + system) a process here has used so far, from /proc. */
  static cpuSeconds(pid) {
    return cpuTicks(pid) / TICKS_PER_SECOND;
  }
}

/** A set of namespaces and links that `close()` takes down again. */
export class Lab {
  constructor() {
    this.public = new Netns('public', null);
    this.spaces = [];
    this.publicLinks = [];
    this.count = 0;
  }

  /** The public side: a bridge with PUBLIC_IP (the server's and coturn's address). */
  publicSide() {
    if (run('sysctl', ['-n', 'net.ipv4.ip_forward']).trim() !== '0') {
      throw new Error('the public namespace forwards packets; run the test under tests/netns.sh');
    }
    this.public.ip('link', 'add', PUBLIC_BRIDGE, 'type', 'bridge');
    this.public.ip('addr', 'add', `${PUBLIC_IP}/${PUBLIC_PREFIX}`, 'dev', PUBLIC_BRIDGE);
    this.public.ip('link', 'set', PUBLIC_BRIDGE, 'up');
    this.publicLinks.push(PUBLIC_BRIDGE);
    return this.public;
  }

  /**
   * A new namespace with only loopback (up), and without IPv6: a veth's IPv6 link-local
   * address appears about a second after the link goes up (once duplicate address detection
   * is done), and a Chromium in the namespace takes that for a change of network and fails
   * every request under way with ERR_NETWORK_CHANGED (the console page then lost module
   * scripts and never showed its sign-in form). The lab's addresses are IPv4 only.
   */
  async namespace(name) {
    // (A kernel without IPv6 has no such settings and no such addresses.)
    const setUp = '{ [ ! -d /proc/sys/net/ipv6 ] ||' +
      ' sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; }' +
      ' && ip link set lo up && echo ready && exec cat >/dev/null';
    const keeper = spawn('unshare', ['-n', 'sh', '-c', setUp], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise((ok, fail) => {
      keeper.once('error', fail);
      keeper.once('exit', (code) => fail(new Error(`the keeper of namespace ${name} exited (${code})`)));
      keeper.stdout.once('data', () => ok());
    });
    keeper.removeAllListeners('exit');
    const ns = new Netns(name, keeper);
    this.spaces.push(ns);
    return ns;
  }

  /**
   * A veth pair from namespace `a` (interface `ifA`, address `addrA` as "ip/prefix" or null)
   * to namespace `b`; both ends up. The pair is created in `a` and one end moved to `b`.
   */
  link(a, ifA, addrA, b, ifB, addrB) {
    const name = `t${process.pid % 10000}x${this.count++}`; // a unique temporary name
    a.ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
    a.ip('link', 'set', name, 'name', ifA);
    a.ip('link', 'set', `${name}p`, 'netns', b.pid === null ? String(process.pid) : String(b.pid));
    b.ip('link', 'set', `${name}p`, 'name', ifB);
    if (addrA) a.ip('addr', 'add', addrA, 'dev', ifA);
    if (addrB) b.ip('addr', 'add', addrB, 'dev', ifB);
    a.ip('link', 'set', ifA, 'up');
    b.ip('link', 'set', ifB, 'up');
    if (a === this.public) this.publicLinks.push(ifA);
    if (b === this.public) this.publicLinks.push(ifB);
  }

  /** Joins `ns` to the public bridge as `ip` (on the bridge's subnet). */
  onPublicBridge(ns, ifName, ip) {
    const port = this.publicName(ns);
    this.link(this.public, port, null, ns, ifName, `${ip}/${PUBLIC_PREFIX}`);
    this.public.ip('link', 'set', port, 'master', PUBLIC_BRIDGE);
  }

  /** A name for the public end of a link to `ns` (interface names have at most 15 bytes). */
  publicName(ns) {
    return `${ns.name.slice(0, 10)}-${this.count}`;
  }

  /**
   * Joins `ns` to the public side by a link of its own (`subnet` as "10.77.N"): the public
   * end is .1, `ns` is .2 and reaches only PUBLIC_IP through it, no other host.
   */
  pointToPoint(ns, ifName, subnet) {
    this.link(this.public, this.publicName(ns), `${subnet}.1/24`, ns, ifName, `${subnet}.2/24`);
    ns.ip('route', 'add', `${PUBLIC_IP}/32`, 'via', `${subnet}.1`);
    return `${subnet}.2`;
  }

  /**
   * A router namespace that masquerades `inside` (subnet "10.77.N", the customer at .2) out
   * of its uplink on the public bridge (`uplinkIp`). Returns the customer's namespace.
   */
  async natBehind(routerName, customerName, subnet, uplinkIp) {
    const router = await this.namespace(routerName);
    const inside = await this.namespace(customerName);
    this.onPublicBridge(router, 'up0', uplinkIp);
    this.link(router, 'in0', `${subnet}.1/24`, inside, 'eth0', `${subnet}.2/24`);
    inside.ip('route', 'add', 'default', 'via', `${subnet}.1`);
    router.exec('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    const rules = `table ip nat {
      chain post { type nat hook postrouting priority srcnat; policy accept;
        oifname "up0" ip saddr ${subnet}.0/24 masquerade; }
    }
    table ip filter {
      chain forward { type filter hook forward priority filter; policy drop;
        ct state established,related accept;
        iifname "in0" oifname "up0" accept; }
    }\n`;
    const file = join(tempDir('nat'), 'nat.nft');
    writeFileSync(file, rules);
    router.exec('nft', '-f', file);
    return { router, inside };
  }

  /** Moves a point-to-point host to another subnet (a handover): old address out, new in. */
  handover(ns, oldIf, oldIp, newIf, newSubnet) {
    ns.ip('addr', 'del', `${oldIp}/24`, 'dev', oldIf);
    ns.ip('addr', 'add', `${newSubnet}.2/24`, 'dev', newIf);
    ns.ip('route', 'replace', `${PUBLIC_IP}/32`, 'via', `${newSubnet}.1`);
    return `${newSubnet}.2`;
  }

  /** Ends every keeper (their namespaces and veth ends go with them) and the public links. */
  async close() {
    for (const ns of this.spaces.reverse()) {
      if (ns.keeper.exitCode === null) {
        const gone = new Promise((ok) => ns.keeper.once('exit', ok));
        ns.keeper.stdin.end();
        await gone;
      }
    }
    this.spaces = [];
    for (const ifName of this.publicLinks.reverse()) {
      try { this.public.ip('link', 'del', ifName); } catch { /* gone with its peer's namespace */ }
    }
    this.publicLinks = [];
  }
}
