//! The sound card path, against whatever ALSA's default device is.
//!
//! Machines without a sound card have no default device, so this is ignored by default.
//! `make test` runs it with ALSA's null device, which accepts audio and discards it:
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
    let sink = playback::open(
        PlaybackConfig::Device,
        &lens_engine::media::MediaControls::default(),
    )
    .expect("open the default output device");
    // Two seconds of audio pushed at once. A sink that waited for the device would take about
    // two seconds (or hang); one that drops the oldest audio returns in microseconds. The
    // bound sits far from both, so a slow machine cannot make this fail.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let pusher_sink = sink.clone();
    std::thread::spawn(move || {
        let frame = [1000i16; 960];
        for _ in 0..100 {
            pusher_sink.push(&frame);
        }
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(1))
        .expect("pushing audio waited for the device: the media task would stall");
    // Let the device callback run against the ring for a moment, then close it.
    std::thread::sleep(Duration::from_millis(300));
    drop(sink);
}
