// The Android app under Robolectric on the JVM, as a customer in an end-to-end test: one
// JUnit class from tests/android/build.sh's jars (target/android-build), run by JUnitCore with
// the same class path and flags as tests/android/run.sh, loading target/release/liblens_ffi.so
// through JNA.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, BIN, Proc } from './lens.mjs';

// LENS_ANDROID_BUILD: a build directory laid out as build.sh's, used as it is (no rebuild).
const BUILD = process.env.LENS_ANDROID_BUILD || join(ROOT, 'target', 'android-build');
const DEPS = join(ROOT, 'target', 'android-deps');
const KOTLIN_STDLIB = join(ROOT, 'tests', 'node_modules', 'kotlin-compiler', 'lib', 'kotlin-stdlib.jar');
const JNA = process.env.JNA_JAR || '/usr/share/java/jna.jar';
const JAVA = process.env.JAVA_17 || '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';

/**
 * Brings the app and test jars up to date (tests/android/build.sh rebuilds only what changed)
 * and throws (the test fails, it is not skipped) when anything the Robolectric customer needs
 * is missing.
 */
export function buildAndroid() {
  if (!existsSync(join(DEPS, 'lib'))) throw new Error(`${DEPS}/lib is missing: run \`make android-deps\``);
  if (!process.env.LENS_ANDROID_BUILD) {
    execFileSync(join(ROOT, 'tests', 'android', 'build.sh'), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const needed = [
    [join(BUILD, 'tests.jar'), 'tests/android/build.sh made no tests.jar'],
    [join(BUILD, 'app.jar'), 'tests/android/build.sh made no app.jar'],
    [KOTLIN_STDLIB, 'run `make deps-npm`'],
    [JNA, 'install libjna-java (`make deps-apt`)'],
    [JAVA, 'install openjdk-17-jre-headless (Robolectric SDK 34 runs on Java 17)'],
    [join(BIN, 'liblens_ffi.so'), 'run `make bindings-kotlin`'],
  ];
  for (const [path, fix] of needed) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
  }
}

/** Runs the JUnit class `className` (e.g. app.lens.media.CameraToConsoleScenario) with `env` added. */
export function startAndroidScenario(className, env = {}) {
  const libs = readdirSync(join(DEPS, 'lib')).filter((f) => f.endsWith('.jar')).sort().map((f) => join(DEPS, 'lib', f));
  const classPath = [
    join(BUILD, 'tests.jar'), join(BUILD, 'app.jar'), join(BUILD, 'r-classes'), join(BUILD, 'test-config'),
    // android-all for JUnit's reflection on test classes before Robolectric's sandbox loads them.
    ...readdirSync(join(DEPS, 'sdk')).filter((f) => f.endsWith('.jar')).map((f) => join(DEPS, 'sdk', f)),
    KOTLIN_STDLIB, JNA, ...libs,
  ].join(':');
  const args = [
    '-Xmx2g', `-Djna.library.path=${BIN}`,
    '-Drobolectric.offline=true', `-Drobolectric.dependency.dir=${join(DEPS, 'robolectric')}`,
    '-Drobolectric.logging=stderr',
    '-cp', classPath, 'org.junit.runner.JUnitCore', className,
  ];
  return new Proc('android', JAVA, args, { cwd: ROOT, env: { ...process.env, RUST_BACKTRACE: '0', ...env } });
}
