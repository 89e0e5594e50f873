//! The sound card path, against whatever ALSA's default device is.
//!
//! Machines without a sound card have no default device, so this is ignored by default. Run it
//! with ALSA's null device, which accepts audio and discards it:
//!
//! ```text
//! printf '</usr/share/alsa/alsa.conf>\npcm.!default { type null }\n' > /tmp/lens-alsa.conf
//! ALSA_CONFIG_PATH=/tmp/lens-alsa.conf cargo test -p lens-engine --test playback_device -- --ignored
//! ```

#![cfg(feature = "playback")]

use std::time::Duration;

use lens_engine::media::PlaybackConfig;
use lens_engine::media::playback;

#[test]
#[ignore = "needs an ALSA default device; see the file's docs"]
fn the_default_device_plays_without_blocking_the_caller() {
    let sink = playback::open(PlaybackConfig::Device).expect("open the default output device");
    let frame = [1000i16; 960];
    let started = std::time::Instant::now();
    // Two seconds of audio pushed as fast as possible: the ring drops the oldest instead of
    // making the caller wait for the device.
    for _ in 0..100 {
        sink.push(&frame);
    }
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "push blocked: {:?}",
        started.elapsed()
    );
    // Let the device callback run against the ring for a moment, then close it.
    std::thread::sleep(Duration::from_millis(300));
    drop(sink);
}
