// The Kotlin customer app on the JVM: tests/kotlin/src/PushingCustomer.kt, compiled with the
// generated glue into one jar by tests/kotlin/build.sh (`make kotlin-jar`), loading
// target/release/liblens_ffi.so through JNA, as the Android app will.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, BIN, Proc } from './lens.mjs';

export const KOTLIN_JAR = join(ROOT, 'target', 'kotlin-test', 'lens-kotlin-test.jar');
const KOTLIN_STDLIB = join(ROOT, 'tests', 'node_modules', 'kotlin-compiler', 'lib', 'kotlin-stdlib.jar');
const JNA = process.env.JNA_JAR || '/usr/share/java/jna.jar';

/** Throws (the test fails, it is not skipped) when anything the JVM customer needs is missing. */
export function assertKotlinCustomerBuilt() {
  const needed = [
    [KOTLIN_JAR, 'run `make kotlin-jar`'],
    [KOTLIN_STDLIB, 'run `make deps-npm`'],
    [JNA, 'install libjna-java (`make deps-apt`)'],
    [join(BIN, 'liblens_ffi.so'), 'run `make build`'],
  ];
  for (const [path, fix] of needed) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
  }
}

/**
 * `PushingCustomerKt`: joins `server` with `pin`, accepts the EULA and pushes frames and PCM
 * through the FFI. `options` become its `--name value` arguments (format, rotation, colour,
 * fps, audio-rate, audio-channels, audio-block-ms). Its stdout is JSON lines.
 */
export function startPushingCustomer(server, pin, options = {}) {
  const args = [
    `-Djna.library.path=${BIN}`,
    '-cp', [KOTLIN_JAR, KOTLIN_STDLIB, JNA].join(':'),
    'PushingCustomerKt',
    '--server', server.url,
    '--pin', pin,
    ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)]),
  ];
  return new Proc('kotlin-customer', 'java', args, {
    env: { ...process.env, RUST_BACKTRACE: '0' },
  });
}

/** The customer's JSON lines of `type`, parsed. */
export function customerMessages(customer, type) {
  return customer.lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((m) => m.type === type);
}
