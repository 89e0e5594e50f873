//! Encodes the synthetic camera's pictures with the engine's H.264 encoder, as fast as it can,
//! and prints how many bytes came out: a fixed workload for comparing builds of the encoder
//! (compiler flags, openh264 versions) by the instructions they execute, which repeat from
//! run to run where timings on these shared machines drift by a fifth between minutes.
//!
//! ```text
//! encode_pattern [FRAMES]    # default 60
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/encode_pattern
//! ```
//!
//! The same build always writes the same bytes; two builds that differ only in how openh264 is
//! compiled must too, so the byte count also checks that a flag changed nothing but speed.

use std::time::{Duration, Instant};

use lens_engine::media::codec::{H264Encoder, H264Settings};
use lens_engine::media::source::TestPattern;

/// The side-by-side bench's picture: 720p30 at the 720p rung's 2.5 Mbit/s.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
const BITRATE_BPS: u32 = 2_500_000;

fn main() {
    let frames: u32 = match std::env::args().nth(1).map(|arg| arg.parse()) {
        None => 60,
        Some(Ok(frames)) => frames,
        Some(Err(_)) => {
            eprintln!("usage: encode_pattern [FRAMES]");
            std::process::exit(2)
        }
    };
    let mut pattern = TestPattern::new(WIDTH, HEIGHT, FPS);
    let mut encoder = match H264Encoder::new(H264Settings {
        width: WIDTH,
        height: HEIGHT,
        fps: FPS,
        bitrate_bps: BITRATE_BPS,
    }) {
        Ok(encoder) => encoder,
        Err(error) => {
            eprintln!("encode_pattern: {error}");
            std::process::exit(1)
        }
    };
    // The frames' capture times are a camera's, 1/fps apart, so rate control sees 30 fps
    // however fast they are encoded here.
    let start = Instant::now();
    let (mut bytes, mut sent) = (0usize, 0u32);
    for index in 0..frames {
        let captured_at = start + Duration::from_secs(u64::from(index)) / FPS;
        match encoder.encode(&pattern.render(u64::from(index)).frame(captured_at)) {
            Ok(Some(encoded)) => {
                bytes += encoded.data.len();
                sent += 1;
            }
            // Rate control skipped the frame.
            Ok(None) => {}
            Err(error) => {
                eprintln!("encode_pattern: frame {index}: {error}");
                std::process::exit(1)
            }
        }
    }
    println!(
        "{frames} frames of {WIDTH}x{HEIGHT} at {BITRATE_BPS} bit/s: {sent} encoded, {bytes} bytes"
    );
}
