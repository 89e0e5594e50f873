// A private PulseAudio daemon for tests on machines without a sound card: a null sink
// "speech" whose monitor is the default source (what the customer's microphone hears), and a
// null sink "speaker" for playback. Audio flows in real time, as from a real microphone.

import { spawn, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { writeFileSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, tempDir } from './lens.mjs';

export async function startPulse() {
  const dir = tempDir('pulse');
  const socket = join(dir, 'native');
  const script = join(dir, 'lens.pa');
  writeFileSync(script, [
    `load-module module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
    // 44.1 kHz stereo: the customer's engine must down-mix and resample to 48 kHz mono.
    'load-module module-null-sink sink_name=speech rate=44100 channels=2',
    'load-module module-null-sink sink_name=speaker',
    'set-default-sink speaker',
    'set-default-source speech.monitor',
    '',
  ].join('\n'));
  const env = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir };
  const daemon = spawn('pulseaudio', [
    '--daemonize=no', '--exit-idle-time=-1', '--disallow-exit=yes', '-n', '-F', script,
    '--use-pid-file=no', '--log-target=stderr',
  ], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr.on('data', (d) => { log += d; });
  const server = `unix:${socket}`;
  const clientEnv = {
    PULSE_SERVER: server,
    ALSA_CONFIG_PATH: resolve(ROOT, 'tests', 'alsa', 'pulse-default.conf'),
  };
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync('pactl', ['info'], { env: { ...env, ...clientEnv }, stdio: 'ignore' });
      return {
        env: clientEnv,
        /** Plays a WAV file into the speech sink, in real time; resolves when it has played. */
        play: (wav) => new Promise((ok, fail) => {
          const p = spawn('paplay', ['--device=speech', wav], { env: { ...env, ...clientEnv } });
          p.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`paplay exited ${code}`))));
        }),
        stop: async () => { daemon.kill('SIGTERM'); await sleep(100); },
      };
    } catch {
      await sleep(100);
    }
  }
  daemon.kill('SIGKILL');
  throw new Error(`PulseAudio did not start:\n${log}`);
}

/** Mono 16-bit PCM of a WAV file (espeak-ng writes 22.05 kHz mono). */
export function readWav(path) {
  const data = readFileSync(path);
  const rate = data.readUInt32LE(24);
  let offset = 12;
  while (offset < data.length) {
    const id = data.toString('ascii', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    if (id === 'data') {
      const end = Math.min(offset + 8 + size, data.length);
      const samples = new Int16Array((end - offset - 8) / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(offset + 8 + 2 * i);
      return { rate, samples };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

export function writeWav(path, rate, samples) {
  const data = Buffer.alloc(44 + samples.length * 2);
  data.write('RIFF', 0); data.writeUInt32LE(36 + samples.length * 2, 4); data.write('WAVE', 8);
  data.write('fmt ', 12); data.writeUInt32LE(16, 16); data.writeUInt16LE(1, 20); data.writeUInt16LE(1, 22);
  data.writeUInt32LE(rate, 24); data.writeUInt32LE(rate * 2, 28); data.writeUInt16LE(2, 32); data.writeUInt16LE(16, 34);
  data.write('data', 36); data.writeUInt32LE(samples.length * 2, 40);
  samples.forEach((s, i) => data.writeInt16LE(s, 44 + 2 * i));
  writeFileSync(path, data);
}

/**
 * Speech, 1.5 s of silence, speech, made with espeak-ng. Returns the WAV's path and its
 * envelope: the RMS of each 100 ms window, 0 to 1.
 */
export function makeSpeech(dir) {
  const say = (name, text) => {
    const path = join(dir, name);
    execFileSync('espeak-ng', ['-s', '150', '-w', path, text]);
    return readWav(path);
  };
  const first = say('first.wav', 'Hello, I am pointing the camera at the router now.');
  const second = say('second.wav', 'The green light on the left is blinking twice.');
  const rate = first.rate;
  const gap = new Int16Array(Math.round(rate * 1.5));
  const all = new Int16Array(first.samples.length + gap.length + second.samples.length);
  all.set(first.samples, 0);
  all.set(second.samples, first.samples.length + gap.length);
  const path = join(dir, 'speech.wav');
  writeWav(path, rate, all);
  const window = rate / 10;
  const envelope = [];
  for (let start = 0; start + window <= all.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += (all[i] / 32768) ** 2;
    envelope.push(Math.sqrt(sum / window));
  }
  // Where the gap is, in 100 ms windows: the silence between the two sentences, including
  // espeak's own trailing and leading quiet.
  const firstEnd = first.samples.length / rate;
  return { path, rate, envelope, gapStart: firstEnd, gapEnd: firstEnd + 1.5, duration: all.length / rate };
}
