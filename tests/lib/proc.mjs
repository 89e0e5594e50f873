// What Linux's /proc says about the processes a bench measures: CPU time, process trees, and
// which thread spent the time (the benches compare processes that do the same job in different
// ways; per thread, the encoder's share can be told from the rest).

import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU times, which Linux fixes at 100 for user space. */
export const TICKS_PER_SECOND = 100;

/** A process's or thread's stat line: its name, parent and CPU ticks (user + system). */
function readStat(path) {
  const text = readFileSync(path, 'utf8');
  // The name is in parentheses and may hold spaces or parentheses itself: the fields after
  // the last ')' are fixed, utime and stime the 12th and 13th of them.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    ppid: Number(fields[1]),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

/** The CPU ticks `pid` has used so far. */
export function cpuTicks(pid) {
  return readStat(`/proc/${pid}/stat`).ticks;
}

/** The processes alive now, each with its parent. */
function parents() {
  const all = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      all.set(Number(entry), readStat(`/proc/${entry}/stat`).ppid);
    } catch { /* exited meanwhile */ }
  }
  return all;
}

/** The direct children of `pid`. */
export function children(pid) {
  return [...parents()].filter(([, parent]) => parent === pid).map(([child]) => child);
}

/** `pid` and all its descendants alive now. */
export function tree(pid) {
  const all = parents();
  const members = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of all) {
      if (members.has(parent) && !members.has(child)) { members.add(child); grew = true; }
    }
  }
  return [...members];
}

/** The CPU ticks of `pids` together (a process that has exited counts nothing). */
export function ticksOf(pids) {
  let sum = 0;
  for (const pid of pids) { try { sum += cpuTicks(pid); } catch { /* exited */ } }
  return sum;
}

/** The peak resident set of `pid`, in kB. */
export function peakRssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) : 0;
}

/**
 * What kind of process `pid` is: Chromium's children say so in their command line
 * (`--type=renderer`, `--type=utility --utility-sub-type=…`); anything else is its name.
 */
function kindOf(pid) {
  // Chromium rewrites its command line into one string, so the flags are matched, not split.
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  const type = cmdline.match(/--type=([\w-]+)/)?.[1];
  const sub = cmdline.match(/--utility-sub-type=([\w.-]+)/)?.[1];
  if (!type) return readStat(`/proc/${pid}/stat`).name;
  return sub ? `${type} (${sub.split('.').pop()})` : type;
}

/** The CPU ticks of every thread of `pids` now, keyed by process id and thread id. */
export function threadTicks(pids) {
  const threads = new Map();
  for (const pid of pids) {
    try {
      const kind = kindOf(pid);
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const { name, ticks } = readStat(`/proc/${pid}/task/${tid}/stat`);
        threads.set(`${pid}/${tid}`, { kind, name, ticks });
      }
    } catch { /* exited meanwhile */ }
  }
  return threads;
}

/**
 * Where the ticks went between two `threadTicks` readings: `{ kind, name, seconds }` per kind
 * of process and thread name (threads of one name added up), largest first. A thread seen only
 * at the end started meanwhile and counts from zero; one gone by the end is left out, as
 * `measure` leaves out processes.
 */
export function threadSplit(before, after) {
  const spent = new Map();
  for (const [id, { kind, name, ticks }] of after) {
    const key = `${kind}\0${name}`;
    const used = ticks - (before.get(id)?.ticks ?? 0);
    if (used > 0) spent.set(key, (spent.get(key) || 0) + used);
  }
  return [...spent]
    .map(([key, ticks]) => {
      const [kind, name] = key.split('\0');
      return { kind, name, seconds: ticks / TICKS_PER_SECOND };
    })
    .sort((a, b) => b.seconds - a.seconds);
}
