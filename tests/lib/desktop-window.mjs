// The desktop customer app's window (`lens` without a command) under Xvfb, used as a person
// uses it: xdotool moves the pointer onto a button and clicks, or types into the focused
// field (real X input events through winit and egui). What the window shows is read from
// the app itself: `--screen-log` writes every screen the app model published, with all its
// words, and where each control was drawn (desktop/src/window/screen_log.rs).

import { spawn, execFile } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, ARTIFACTS, Proc, tempDir } from './lens.mjs';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A private X server. `-displayfd` lets Xvfb pick a free display and tell us which;
 * `-nolisten tcp`: it listens on its unix socket only (fine inside the network namespace).
 */
export async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const display = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`Xvfb did not start:\n${stderr}`)), 10000);
    child.stdio[3].setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        ok(`:${out.trim()}`);
      }
    });
    child.once('exit', (code) => fail(new Error(`Xvfb exited (${code}):\n${stderr}`)));
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  return {
    display,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** `lens` in a window on `display`, against `server`, in the language `lang`. */
export function startWindow(server, display, { lang = 'en_US.UTF-8', screenshots = 'desktop-window' } = {}) {
  const dir = tempDir('window');
  const screenLog = join(dir, 'screens.jsonl');
  const screenshotDir = join(ARTIFACTS, screenshots);
  rmSync(screenshotDir, { recursive: true, force: true });
  mkdirSync(screenshotDir, { recursive: true });
  const env = { ...process.env, DISPLAY: display, LANG: lang, LENS_LOG: process.env.LENS_LOG || 'warn' };
  for (const name of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'WAYLAND_DISPLAY']) delete env[name];
  const proc = new Proc('window', join(BIN, 'lens'), [
    '--server', server.url,
    '--bind-ip', '127.0.0.1',
    '--no-playback',
    '--width', '640', '--height', '360',
    '--eula-store', join(dir, 'eula.json'),
    '--screen-log', screenLog,
    '--screenshot-dir', screenshotDir,
  ], { env });
  return new Window(proc, display, screenLog, screenshotDir);
}

export class Window {
  constructor(proc, display, screenLog, screenshotDir) {
    this.proc = proc;
    this.display = display;
    this.screenLog = screenLog;
    this.screenshotDir = screenshotDir;
    this.windowId = null;
  }

  /** Every line of the screen log so far. */
  entries() {
    if (!existsSync(this.screenLog)) return [];
    return readFileSync(this.screenLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }

  /** The screens the app published, in order. */
  screens() {
    return this.entries().filter((e) => e.screen);
  }

  /** The latest screen. */
  current() {
    return this.screens().at(-1) ?? null;
  }

  /** Waits until the latest screen satisfies `predicate` (or is named `predicate`). */
  async waitForScreen(predicate, timeout = 20000) {
    const test = typeof predicate === 'string' ? (s) => s.screen === predicate : predicate;
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const screen = this.current();
      if (screen && test(screen)) return screen;
      if (this.proc.child.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`the window never showed ${predicate}; screens:\n${this.screens().map((s) => JSON.stringify(s)).join('\n')}\n${this.proc.lines.join('\n')}`);
  }

  /** The controls of the latest screen as drawn after it was published (waits for them). */
  async controls(timeout = 10000) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const entries = this.entries();
      const last = entries.findLastIndex((e) => e.screen);
      const drawn = entries.slice(last + 1).findLast((e) => e.drawn === entries[last]?.screen);
      if (drawn) return drawn.widgets;
      await sleep(50);
    }
    throw new Error(`the window never drew ${JSON.stringify(this.current())}`);
  }

  async xdotool(...args) {
    const { stdout } = await run('xdotool', args, { env: { ...process.env, DISPLAY: this.display } });
    return stdout.trim();
  }

  /** The X window, once mapped; it gets the keyboard, as a click on it would give it. */
  async find() {
    const ids = await this.xdotool('search', '--sync', '--onlyvisible', '--name', '^Lens$');
    this.windowId = ids.split('\n')[0];
    await this.xdotool('windowfocus', '--sync', this.windowId);
    return this.windowId;
  }

  /** Moves the pointer onto the control labelled `label` and clicks it, as a person would. */
  async click(label, role) {
    const widgets = await this.controls();
    const widget = widgets.find((w) => w.label === label && (!role || w.role === role));
    if (!widget) throw new Error(`no control "${label}" on ${JSON.stringify(widgets)}`);
    if (!widget.enabled) throw new Error(`"${label}" cannot be pressed now`);
    const x = Math.round(widget.x + widget.w / 2);
    const y = Math.round(widget.y + widget.h / 2);
    // A button that replaced the last one clicked sits under a pointer that has not moved:
    // move off it first, so egui sees a hover and the press lands (and `--sync` has a move to
    // wait for).
    await this.xdotool('mousemove', '--window', this.windowId, String(x + 3), String(y + 3));
    await sleep(50);
    await this.xdotool('mousemove', '--window', this.windowId, '--sync', String(x), String(y));
    // egui sees the pointer arrive before the press, like a hand that moves, then clicks.
    await sleep(100);
    await this.xdotool('click', '1');
  }

  /** Types `text` on the keyboard into the focused field. */
  async type(text) {
    await this.xdotool('type', '--delay', '60', text);
  }

  async stop() {
    await this.proc.stop();
  }
}
