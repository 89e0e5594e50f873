# Lens: `make run` runs the server; `make test` installs what the tests need and runs them all.
# Every install step is idempotent: it checks first and installs only what is missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
RELEASE := target/release
NETNS := tests/netns.sh
LOGS := target/test-logs

# Debian packages the build and the tests need (see ../shared/SETUP-NOTES.md):
# cmake builds libopus; libasound2-dev is cpal's ALSA; libclang for bindgen; Chromium is the
# technician's browser; nftables counts the customer's packets; iproute2 and util-linux give
# the loopback-only network namespace; JNA and a JRE run the Kotlin binding test; python3-venv
# holds the PyPI test tools (deps-py); PostgreSQL is the second database the server is tested
# on; espeak-ng speaks into a private PulseAudio null sink (ALSA's pulse plugin) for the
# microphone test; nasm assembles openh264's SIMD kernels (without it openh264-sys2 silently
# builds its plain C fallbacks, about three times slower: engine/build.rs refuses that);
# alsa-utils brings the recorded voice bench-voice scores (/usr/share/sounds/alsa).
# The desktop window's test (tests/e2e/desktop-window.test.mjs): Xvfb is its X server, xdotool
# its hands; the window draws with OpenGL through Mesa's software driver (EGL or GLX, loaded
# at run time like the X libraries winit opens: Xcursor, XInput, XRandR, xkbcommon-x11).
# The Android app without the Android SDK (tests/android/): javac and Maven for the build and
# Robolectric, Debian's aapt (v1) for resources, apksigner, zipalign and dexdump for the APK
# packaging check; Robolectric's SDK 34 runs on Java 17.
ANDROID_APT_PACKAGES := openjdk-17-jdk-headless maven unzip aapt apksigner zipalign dexdump
APT_PACKAGES := nasm cmake pkg-config libasound2-dev libclang1-14 chromium fonts-liberation \
	coturn nftables iproute2 util-linux libjna-java default-jre-headless python3-venv alsa-utils \
	postgresql espeak-ng pulseaudio pulseaudio-utils libasound2-plugins nginx \
	xvfb xdotool libgl1-mesa-dri libegl1 libegl-mesa0 libglx-mesa0 libx11-xcb1 libxcursor1 \
	libxi6 libxrandr2 libxkbcommon-x11-0 \
	$(ANDROID_APT_PACKAGES)

.PHONY: run build test deps deps-apt deps-npm deps-py deps-py-bench deps-go lint test-rust test-rust-pg test-e2e test-kotlin \
	test-handoff-api demo bench bench-android bench-hour bench-server bench-voice build-examples \
	build-bench-examples \
	bindings-kotlin bindings-swift android ios clean phone-lib fuzz \
	android-deps test-android test-android-packaging test-ios

## run: the server on 127.0.0.1:8080 with its embedded SQLite database and a demo technician.
# It builds the whole workspace (the desktop customer app too): building packages in
# different groups would unify features differently and rebuild the dependencies each time.
run: deps-apt build
	$(RELEASE)/lens-server serve --demo --bind 127.0.0.1:8080 --public-url http://127.0.0.1:8080

deps: deps-apt deps-npm deps-py deps-go

deps-apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -q >/dev/null; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	fi

# playwright-core drives Debian's Chromium; it must never download a browser of its own.
deps-npm:
	@if [ ! -d tests/node_modules/playwright-core ] || [ ! -d tests/node_modules/kotlin-compiler ]; then \
	  cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund; \
	fi

# Pebble, Let's Encrypt's ACME test CA, and its DNS stand-in (Go modules, built here): the
# ACME test orders a real certificate from it (server/tests/security/acme.rs).
GO ?= $(shell command -v go || echo /usr/local/go/bin/go)
GO_BIN := tests/.go/bin
PEBBLE_VERSION := v2.10.3
deps-go: $(GO_BIN)/.pebble-$(PEBBLE_VERSION)

$(GO_BIN)/.pebble-$(PEBBLE_VERSION):
	@mkdir -p $(GO_BIN)
	GOBIN=$(CURDIR)/$(GO_BIN) $(GO) install \
	  github.com/letsencrypt/pebble/v2/cmd/pebble@$(PEBBLE_VERSION) \
	  github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv@$(PEBBLE_VERSION)
	@touch $@

# Python packages from PyPI for the tests (aiosmtpd: the real SMTP server of the e-mail test),
# in tests/.venv; reinstalled only when the requirements change.
PY_VENV := tests/.venv
deps-py: $(PY_VENV)/.installed

$(PY_VENV)/.installed: tests/py/requirements.txt
	@[ -x $(PY_VENV)/bin/python ] || python3 -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install -q -r tests/py/requirements.txt
	@touch $@

# What only the benchmarks need, in the same venv: pesq (ITU-T P.862, built from its sdist)
# scores the voice in bench-voice.
deps-py-bench: $(PY_VENV)/.installed-bench

$(PY_VENV)/.installed-bench: tests/py/bench-requirements.txt $(PY_VENV)/.installed
	$(PY_VENV)/bin/pip install -q -r tests/py/bench-requirements.txt
	@touch $@

## build: every binary and the FFI library, release (the tests and the figures use these).
build:
	$(CARGO) build --release --workspace --bins --lib

## test: everything, each peer-connection test inside a loopback-only network namespace.
# Each suite runs whatever the ones before it did, and its wall time (with the prerequisites
# it was the first to need) is printed above the summary: where a cold run's minutes go.
TEST_SUITES := lint test-rust test-rust-pg test-e2e test-kotlin test-android \
  test-android-packaging test-ios test-handoff-api test-interop
test: deps build
	@mkdir -p $(LOGS); rm -f $(LOGS)/*.log $(LOGS)/suite-times.txt
	@rc=0; for suite in $(TEST_SUITES); do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$suite || rc=$$?; \
	  echo "$$suite: $$(( $$(date +%s) - start )) s" >> $(LOGS)/suite-times.txt; \
	done; \
	echo "== wall time per suite =="; cat $(LOGS)/suite-times.txt; \
	echo "== all tests =="; tests/summary.sh $(LOGS)/*.log; exit $$rc

## lint: rustfmt and clippy (warnings are errors) over every target of the workspace, then the
## checks of tests/lint/ (unused dependencies, the media modules' one-way graph).
lint:
	@mkdir -p $(LOGS)
	@passed=0; failed=0; \
	if $(CARGO) fmt --all --check; then passed=$$((passed+1)); else failed=$$((failed+1)); fi; \
	if $(CARGO) clippy --release --workspace --all-targets -- -D warnings; then \
	  passed=$$((passed+1)); else failed=$$((failed+1)); fi; \
	for check in tests/lint/*.py; do \
	  if python3 $$check; then passed=$$((passed+1)); else failed=$$((failed+1)); fi; \
	done; \
	echo "lint: $$passed passed, $$failed failed" | tee $(LOGS)/lint.log; [ $$failed -eq 0 ]

# `--lib --bins --tests`, then `--doc`: everything `cargo test` runs, without building the
# examples only the benchmarks use (about 25 s of a cold build each; build-examples has the
# tests' own). tests/server-tests.sh asks for the same targets.
TEST_TARGETS := --lib --bins --tests
test-rust:
	@mkdir -p $(LOGS)
	$(CARGO) test --release --workspace $(TEST_TARGETS) --no-run
	{ $(NETNS) $(CARGO) test --release --workspace --offline $(TEST_TARGETS) \
	  && $(CARGO) test --release --workspace --offline --doc; } 2>&1 | tee $(LOGS)/rust.log
	# The sound card path, against ALSA's null device (no sound card on these machines).
	ALSA_CONFIG_PATH=$(CURDIR)/tests/alsa/null-default.conf $(CARGO) test --release --workspace \
	  --offline --test playback_device -- --ignored 2>&1 | tee $(LOGS)/rust-playback.log

# The server's tests again, each on a fresh database in a throwaway PostgreSQL cluster
# (tests/pg.sh: a unix socket only, so it serves the loopback-only namespace too).
# tests/server-tests.sh runs the binaries the workspace build made (`cargo test -p lens-server`
# would build the server's dependencies a second time with other features).
test-rust-pg:
	@mkdir -p $(LOGS)
	$(CARGO) test --release --workspace $(TEST_TARGETS) --no-run
	@pg=$$(mktemp -d /tmp/lens-pg.XXXXXX); url=$$(tests/pg.sh start $$pg); rc=0; \
	LENS_TEST_DATABASE_URL=$$url $(NETNS) tests/server-tests.sh 2>&1 \
	  | tee $(LOGS)/rust-pg.log || rc=$$?; \
	tests/pg.sh stop $$pg; exit $$rc

test-e2e: tests/node_modules deps-py build-examples kotlin-jar android-deps
	@mkdir -p $(LOGS)
	cd tests && ../$(NETNS) node --test --test-concurrency=1 --test-reporter=tap e2e/ 2>&1 | tee ../$(LOGS)/e2e.log

# build-examples: technician_answer answers the customer's offer in the app-model test and in
# many-sessions.sh (200 sessions in one process: RSS, descriptors and threads must stay flat).
test-kotlin: bindings-kotlin deps-npm build-examples
	@mkdir -p $(LOGS)
	$(NETNS) tests/kotlin/run.sh 2>&1 | tee $(LOGS)/kotlin.log
	$(NETNS) tests/kotlin/many-sessions.sh 200 2>&1 | tee $(LOGS)/many-sessions.log

## test-android: the Android app (android/) compiled with kotlinc and aapt, its Robolectric
# tests on the JVM against a real server and the x86_64 Rust library (tests/android/run.sh).
# kotlinc runs only when a source changed.
test-android: bindings-kotlin deps-npm build-examples android-deps
	@mkdir -p $(LOGS)
	$(NETNS) tests/android/run.sh 2>&1 | tee $(LOGS)/android.log

## test-android-packaging: the Gradle catalog's versions exist on the registries; a debug APK
# assembled with aapt, D8, zipalign and apksigner reads back as app.toml's app.
test-android-packaging: bindings-kotlin deps-npm android-deps
	@mkdir -p $(LOGS)
	@rc=0; { tests/android/check-versions.sh || rc=$$?; tests/android/package-apk.sh || rc=$$?; \
	  exit $$rc; } 2>&1 | tee $(LOGS)/android-packaging.log

# Robolectric, JUnit, android-all (SDK 34) and D8 from Maven into target/android-deps/.
android-deps: deps-apt
	@tests/android/deps.sh >/dev/null

## android: the app as Android Studio builds it: the Rust library for the phones' ABIs (cargo
# ndk, the phone profile) into android/app/src/main/jniLibs, then `gradlew assembleDebug`.
# Says what is missing where the SDK, the NDK, cargo-ndk, a Rust target or the wrapper are not.
ANDROID_ABIS := arm64-v8a armeabi-v7a x86_64
ANDROID_TARGETS := aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
android:
	@sdk=$${ANDROID_HOME:-$${ANDROID_SDK_ROOT:-}}; missing=(); \
	[ -n "$$sdk" ] && [ -d "$$sdk/platforms" ] \
	  || missing+=("the Android SDK: install it (Android Studio > SDK Manager) and set ANDROID_HOME"); \
	ndk=$${ANDROID_NDK_HOME:-$$(ls -d "$$sdk"/ndk/* 2>/dev/null | sort -V | tail -1 || true)}; \
	[ -n "$$ndk" ] && [ -d "$$ndk" ] \
	  || missing+=("the NDK: SDK Manager > SDK Tools > NDK (Side by side), or set ANDROID_NDK_HOME"); \
	command -v cargo-ndk >/dev/null || missing+=("cargo-ndk: cargo install cargo-ndk"); \
	for target in $(ANDROID_TARGETS); do \
	  rustup target list --installed 2>/dev/null | grep -qx $$target \
	    || missing+=("the Rust target $$target: rustup target add $$target"); \
	done; \
	[ -x android/gradlew ] || missing+=("the Gradle wrapper: see android/README.md"); \
	if [ $${#missing[@]} -gt 0 ]; then \
	  echo "make android: cannot build the app here; missing:" >&2; \
	  printf '  - %s\n' "$${missing[@]}" >&2; exit 1; \
	fi; \
	ANDROID_NDK_HOME=$$ndk $(CARGO) ndk $(addprefix -t ,$(ANDROID_ABIS)) \
	  -o android/app/src/main/jniLibs build --profile phone -p lens-ffi --lib --features phone; \
	cd android && ./gradlew assembleDebug

# The chat hand-off API against its OpenAPI description (schemathesis, a real server).
test-handoff-api: deps-py
	@mkdir -p $(LOGS)
	$(NETNS) tests/handoff/schemathesis.sh 2>&1 | tee $(LOGS)/handoff-api.log
# aiortc (PyPI) decodes the engine's stream as a second, independent receiver.
test-interop: deps-py build-examples
	@mkdir -p $(LOGS)
	$(NETNS) tests/.venv/bin/python tests/py/aiortc_receiver.py $(RELEASE)/examples/media_offer 2>&1 | tee $(LOGS)/interop.log

tests/node_modules: tests/package.json
	$(MAKE) --no-print-directory deps-npm

# The engine's examples the tests run: technician_answer (above), push_frames standing in for a
# phone shell in the pushed-media tests, media_offer the customer aiortc receives. With
# --workspace, as every build here, so that the engine keeps the desktop's features and is not
# built a second time.
TEST_EXAMPLES := technician_answer push_frames media_offer
build-examples:
	$(CARGO) build --release --workspace $(addprefix --example ,$(TEST_EXAMPLES))

# Every example, for the benchmarks (the test pattern and the microphone's files, the PSNR
# of decoded pictures, the phone-encoder shell, the voice round trip).
build-bench-examples:
	$(CARGO) build --release --workspace --examples

## fuzz: every fuzz target under libFuzzer with AddressSanitizer (nightly, cargo-fuzz), for
# FUZZ_SECONDS each (default 60); prints executions and crashes per target (fuzz/run.sh).
# `make test` replays the committed corpus and past crashes on stable (fuzz/tests/replay.rs).
fuzz:
	fuzz/run.sh

## bindings-kotlin: Kotlin glue generated from the unstripped library (UniFFI library mode).
bindings-kotlin: build
	$(RELEASE)/uniffi-bindgen generate --library $(RELEASE)/liblens_ffi.so --language kotlin \
	  --out-dir bindings/generated/kotlin --no-format

## kotlin-jar: the glue and tests/kotlin/src compiled into target/kotlin-test/lens-kotlin-test.jar
# (the Kotlin binding tests, and the pushing customer app of tests/e2e/pushed-ffi.test.mjs).
.PHONY: kotlin-jar
kotlin-jar: bindings-kotlin deps-npm
	tests/kotlin/build.sh

## bindings-swift: Swift glue, copied into ios/LensKit (gitignored there); compiling it needs
# Xcode (macOS), see ios/README.md. Generated from the host's unstripped library (.dylib on a Mac).
HOST_DYLIB := $(RELEASE)/liblens_ffi.$(if $(filter Darwin,$(shell uname -s)),dylib,so)
LENSKIT_GLUE := ios/LensKit/Sources/LensKit/Generated
bindings-swift: build
	$(RELEASE)/uniffi-bindgen generate --library $(HOST_DYLIB) --language swift \
	  --out-dir bindings/generated/swift
	@rm -rf $(LENSKIT_GLUE) && mkdir -p $(LENSKIT_GLUE) && cp bindings/generated/swift/*.swift $(LENSKIT_GLUE)/

## ios: ios/LensKit/LensFFI.xcframework on macOS with Xcode (ios/build-xcframework.sh); says
# what is missing elsewhere before building anything. Then `swift test` in ios/LensKit, or
# xcodegen and xcodebuild in ios/LensApp (ios/README.md).
ios:
	@ios/build-xcframework.sh --check
	$(MAKE) --no-print-directory bindings-swift
	ios/build-xcframework.sh

## test-ios: what can be checked of the iOS app without Swift (tests/ios/run.py): the Swift
# parses, the glue's module names, app.toml against the project and the server's
# apple-app-site-association, the usage descriptions' translations, the store listing's lengths.
test-ios: deps-py build
	@mkdir -p $(LOGS)
	$(NETNS) $(PY_VENV)/bin/python tests/ios/run.py 2>&1 | tee $(LOGS)/ios.log

## phone-lib: the FFI library as the phones ship it ([profile.phone] and lens-ffi's `phone`
# feature), built for this machine (x86_64 Linux; the phones' own targets need the NDK or
# Xcode, see DEVELOPERS.md), in its own target directory so that it never rebuilds what `make
# build` made. tests/bench/ffi_size.sh prints what each of its settings saves.
PHONE_TARGET := target/phone-size
phone-lib:
	CARGO_TARGET_DIR=$(CURDIR)/$(PHONE_TARGET) $(CARGO) build --profile phone -p lens-ffi --lib \
	  --features phone
	@stat -c %s $(PHONE_TARGET)/phone/liblens_ffi.so \
	  | awk '{ printf "$(PHONE_TARGET)/phone/liblens_ffi.so: %d bytes (%.2f MB)\n", $$1, $$1 / 1e6 }'

## demo: the whole path headless (server, customer, Chromium) with the figures it measured.
demo: deps build
	cd tests && ../$(NETNS) node demo/demo.mjs

## bench: criterion benchmarks of the per-frame path, the voice's quality and cost at each
## Opus complexity (bench-voice), then 60 s of 720p30 + audio into one
## Chromium receiver from the customer process and from Chromium's own fake camera, side by
## side; the customer's CPU and uplink with 1, 3 and 5 collaborating technicians and the time
## from a collaborator's Join to the first picture; glass-to-glass latency (p50/p95/p99),
## time to full quality and Start to first frame, Lens beside Chromium, on loopback and
## through a 40 ms, 5 Mbit/s relay (bench/latency.mjs); before them the server's load
## benchmarks (bench-server) and the Android app's copy into the hardware encoder (bench-android).
bench: deps build build-bench-examples bench-server bench-android bench-voice
	$(CARGO) bench -p lens-engine
	cd tests && ../$(NETNS) node bench/side-by-side.mjs
	cd tests && ../$(NETNS) node bench/collaborators.mjs
	cd tests && ../$(NETNS) node bench/latency.mjs

## bench-voice: espeak-ng and recorded speech through the engine's Opus encoder and decoder at
## complexities 5 to 10 and at 32, 40 and 48 kbit/s, PESQ-scored with the levels above 8 kHz,
## and the encoder's time per 20 ms (tests/bench/voice_quality.py).
bench-voice: deps-apt deps-py-bench build-bench-examples
	$(PY_VENV)/bin/python tests/bench/voice_quality.py

## bench-android: the Android app's own Kotlin per camera picture (the copy into the hardware
## encoder's input), on the JVM: tests/android/bench.sh.
bench-android: bindings-kotlin deps-npm android-deps
	tests/android/bench.sh

## bench-hour: one customer streaming 720p30 to the console for an hour (LENS_BENCH_MINUTES):
## the customer's RSS, CPU, threads and descriptors and the console's frame rate, freezes and
## audio every minute; tests/artifacts/hour.csv and hour.png.
bench-hour: deps build
	cd tests && ../$(NETNS) node bench/hour.mjs

## bench-server: PIN look-ups/s at p99 < 20 ms, waiting customers held, wrong-vs-expired PIN
# timing; on SQLite, then on a throwaway PostgreSQL (tests/pg.sh), inside the namespace.
# 10,000 customers need 20,000 sockets in the namespace: the soft fd limit goes to the hard one.
bench-server:
	$(CARGO) bench --workspace --no-run --bench load
	ulimit -n $$(ulimit -Hn); $(NETNS) $(CARGO) bench --workspace --offline --bench load
	@pg=$$(mktemp -d /tmp/lens-pg.XXXXXX); url=$$(tests/pg.sh start $$pg); rc=0; \
	ulimit -n $$(ulimit -Hn); LENS_BENCH_DATABASE_URL=$$url $(NETNS) $(CARGO) bench --workspace \
	  --offline --bench load || rc=$$?; tests/pg.sh stop $$pg; exit $$rc

clean:
	$(CARGO) clean
	rm -rf tests/node_modules tests/artifacts bindings/generated
