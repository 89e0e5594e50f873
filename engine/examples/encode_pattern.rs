//! Encodes the synthetic camera's pictures with the engine's H.264 encoder, as fast as it can,
//! and prints how many bytes came out: a fixed workload for comparing builds of the encoder
//! (compiler flags, openh264 versions) by the instructions they execute, which repeat from
//! run to run where timings on these shared machines drift by a fifth between minutes.
//!
//! ```text
//! encode_pattern [FRAMES [BITRATE_BPS]] [--psnr]   # default 60 frames at 2,500,000 bit/s
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/encode_pattern
//! ```
//!
//! The same build always writes the same bytes; two builds that differ only in how openh264 is
//! compiled must too, so the byte count also checks that a flag changed nothing but speed.
//!
//! `--psnr` also decodes what came out (openh264's decoder) and prints the mean luma PSNR of
//! the decoded pictures against the pattern drawn: how the picture the side-by-side bench
//! scores responds to the bitrate (DEVELOPERS.md, "what the PSNR of the test pattern sees").

use std::time::{Duration, Instant};

use lens_engine::media::codec::{H264Encoder, H264Settings};
use lens_engine::media::source::{TestPattern, luma_psnr};
use openh264::formats::YUVSource;

/// The side-by-side bench's picture: 720p30 at the 720p rung's 2.5 Mbit/s.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
const BITRATE_BPS: u32 = 2_500_000;
const USAGE: &str = "usage: encode_pattern [FRAMES [BITRATE_BPS]] [--psnr]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let psnr = args.iter().any(|arg| arg == "--psnr");
    let numbers: Result<Vec<u32>, _> = args
        .iter()
        .filter(|arg| *arg != "--psnr")
        .map(|arg| arg.parse())
        .collect();
    let (frames, bitrate_bps) = match numbers.as_deref() {
        Ok([]) => (60, BITRATE_BPS),
        Ok([frames]) => (*frames, BITRATE_BPS),
        Ok([frames, bitrate]) => (*frames, *bitrate),
        _ => fail(USAGE, 2),
    };
    let mut pattern = TestPattern::new(WIDTH, HEIGHT, FPS);
    let mut encoder = H264Encoder::new(H264Settings {
        width: WIDTH,
        height: HEIGHT,
        fps: FPS,
        bitrate_bps,
    })
    .unwrap_or_else(|error| fail(&format!("encode_pattern: {error}"), 1));
    let mut decoder = psnr.then(|| {
        openh264::decoder::Decoder::new()
            .unwrap_or_else(|error| fail(&format!("encode_pattern: decoder: {error}"), 1))
    });
    // The frames' capture times are a camera's, 1/fps apart, so rate control sees 30 fps
    // however fast they are encoded here.
    let start = Instant::now();
    let (mut bytes, mut sent, mut scores) = (0usize, 0u32, Vec::new());
    for index in 0..frames {
        let captured_at = start + Duration::from_secs(u64::from(index)) / FPS;
        let source = pattern.render(u64::from(index));
        match encoder.encode(&source.frame(captured_at)) {
            Ok(Some(encoded)) => {
                bytes += encoded.data.len();
                sent += 1;
                if let Some(decoder) = decoder.as_mut() {
                    scores.push(decoded_psnr(decoder, &encoded.data, &source.y));
                }
            }
            // Rate control skipped the frame.
            Ok(None) => {}
            Err(error) => fail(&format!("encode_pattern: frame {index}: {error}"), 1),
        }
    }
    println!(
        "{frames} frames of {WIDTH}x{HEIGHT} at {bitrate_bps} bit/s: {sent} encoded, {bytes} bytes"
    );
    if psnr {
        let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
        println!(
            "luma PSNR of the decoded pictures: mean {mean:.2} dB over {}",
            scores.len()
        );
    }
}

/// Decodes one access unit and scores its luma plane against the picture it was made from.
fn decoded_psnr(
    decoder: &mut openh264::decoder::Decoder,
    access_unit: &[u8],
    source: &[u8],
) -> f64 {
    let decoded = match decoder.decode(access_unit) {
        Ok(Some(decoded)) => decoded,
        Ok(None) => fail("encode_pattern: the decoder returned no picture", 1),
        Err(error) => fail(&format!("encode_pattern: decoding: {error}"), 1),
    };
    let (width, stride) = (WIDTH as usize, decoded.strides().0);
    let rows: Vec<u8> = decoded
        .y()
        .chunks(stride)
        .take(HEIGHT as usize)
        .flat_map(|row| &row[..width])
        .copied()
        .collect();
    luma_psnr(&rows, source)
}

fn fail(message: &str, code: i32) -> ! {
    eprintln!("{message}");
    std::process::exit(code)
}
