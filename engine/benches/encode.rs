//! Per-frame costs of the send path: `cargo bench -p lens-engine --bench encode`.
//!
//! The budget at 640x480@30 is 33 ms a frame on one core shared with everything else; the
//! setup notes measured openh264 at 1.6 to 2.5 ms. Opus must stay far below its 20 ms frame.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lens_engine::media::codec::{H264Encoder, H264Settings, OpusEncoder};
use lens_engine::media::scale::Scaler;
use lens_engine::media::source::{I420Buffer, SineTone, TestPattern};

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;

/// P-frame encoding at each size the issue names, at the ladder's ceiling bitrate for that
/// size (see `media::ladder`): 640x480 on the 540 rung, 1280x720 on the top rung.
fn h264_sizes(c: &mut Criterion) {
    let mut group = c.benchmark_group("h264");
    group.throughput(Throughput::Elements(1));
    for (width, height, bitrate_bps) in [(640, 480, 1_500_000), (1280, 720, 2_500_000)] {
        let mut pattern = TestPattern::new(width, height, 30);
        let pictures: Vec<I420Buffer> = (0..30).map(|i| pattern.render(i).clone()).collect();
        let mut encoder = H264Encoder::new(H264Settings {
            width,
            height,
            fps: 30,
            bitrate_bps,
        })
        .unwrap();
        let t0 = Instant::now();
        let mut n = 0u64;
        group.bench_function(
            format!(
                "encode {width}x{height} frame ({} kbit/s)",
                bitrate_bps / 1000
            ),
            |b| {
                b.iter(|| {
                    let frame =
                        pictures[(n % 30) as usize].frame(t0 + Duration::from_millis(33 * n));
                    n += 1;
                    black_box(encoder.encode(&frame).unwrap())
                });
            },
        );
    }
    // The ladder's scaling step: 720p camera frames down to the lower rungs (540p resized,
    // 360p halved, 270p halved and then resized).
    let mut pattern = TestPattern::new(1280, 720, 30);
    let picture = pattern.render(1).clone();
    let mut scaler = Scaler::default();
    for (width, height) in [(960, 540), (640, 360), (480, 270)] {
        group.bench_function(format!("scale 1280x720 to {width}x{height}"), |b| {
            let t0 = Instant::now();
            b.iter(|| black_box(scaler.scale(&picture.frame(t0), width, height).unwrap().y[0]));
        });
    }
    group.finish();
}

fn h264(c: &mut Criterion) {
    // A second of distinct pictures, rendered up front so only the encoder is measured. Cycling
    // through them keeps the box moving, so the encoder does real P-frame work.
    let mut pattern = TestPattern::new(WIDTH, HEIGHT, 30);
    let pictures: Vec<I420Buffer> = (0..30).map(|i| pattern.render(i).clone()).collect();

    let mut group = c.benchmark_group("h264");
    group.throughput(Throughput::Elements(1));
    group.bench_function("encode 640x480 frame (1.5 Mbit/s)", |b| {
        let mut encoder = H264Encoder::new(H264Settings {
            width: WIDTH,
            height: HEIGHT,
            fps: 30,
            bitrate_bps: 1_500_000,
        })
        .unwrap();
        let t0 = Instant::now();
        let mut n = 0u64;
        b.iter(|| {
            let picture = &pictures[(n % 30) as usize];
            let frame = picture.frame(t0 + Duration::from_millis(33 * n));
            n += 1;
            black_box(encoder.encode(&frame).unwrap())
        });
    });
    group.bench_function("encode 640x480 keyframe", |b| {
        let mut encoder = H264Encoder::new(H264Settings {
            width: WIDTH,
            height: HEIGHT,
            fps: 30,
            bitrate_bps: 1_500_000,
        })
        .unwrap();
        let t0 = Instant::now();
        let mut n = 0u64;
        b.iter(|| {
            encoder.force_keyframe();
            let frame = pictures[(n % 30) as usize].frame(t0 + Duration::from_millis(33 * n));
            n += 1;
            black_box(encoder.encode(&frame).unwrap())
        });
    });
    // The size the desktop app's synthetic camera sends, and the side-by-side bench measures.
    for (width, height) in [(WIDTH, HEIGHT), (1280, 720)] {
        group.bench_function(format!("render {width}x{height} test pattern"), |b| {
            let mut pattern = TestPattern::new(width, height, 30);
            let mut n = 0u64;
            b.iter(|| {
                n += 1;
                black_box(pattern.render(n).y[0])
            });
        });
    }
    group.finish();
}

fn opus(c: &mut Criterion) {
    let mut tone = SineTone::new(440.0);
    let frames: Vec<[i16; 960]> = (0..50).map(|_| *tone.render()).collect();
    let mut encoder = OpusEncoder::new(lens_engine::media::VoiceProfile::default()).unwrap();
    let mut n = 0usize;
    c.bench_function("opus/encode 20 ms mono frame", |b| {
        b.iter(|| {
            n += 1;
            black_box(encoder.encode(&frames[n % 50]).unwrap())
        });
    });
}

criterion_group!(benches, h264_sizes, h264, opus);
criterion_main!(benches);
