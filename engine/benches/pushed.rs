//! Per-frame costs of media pushed by a shell: `cargo bench -p lens-engine --bench pushed`.
//!
//! - `convert/*`: what `PushedVideo::push` does on the shell's camera thread for one 1280x720
//!   frame in each pixel format (checks, conversion to I420 as the picture lies, range
//!   scaling where asked);
//! - `turn upright/*`: what the video thread adds for a picture on its side when a technician
//!   cannot be told the turn (no video-orientation extension): turning the I420 picture;
//! - `pushed frame to RTP`: the whole send path of one pushed frame without the network —
//!   conversion, openh264 encode, H.264 RTP packetization (what the track does next) — for a
//!   phone held as its sensor lies and held upright, its picture sent as it lies or turned.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lens_engine::media::codec::{H264Encoder, H264Settings};
use lens_engine::media::pushed::{PixelFormat, Rotation, VideoFrameLayout, convert_frame};
use lens_engine::media::source::{I420Buffer, TestPattern, VideoFrame, turn_upright};
use rtc::rtp::codec::h264::H264Payloader;
use rtc::rtp::packetizer::{Packetizer, new_packetizer};
use rtc::rtp::sequence::new_random_sequencer;

const W: u32 = 1280;
const H: u32 = 720;

/// A 1280x720 test picture in `format`, with the row padding cameras add.
fn camera_frame(format: PixelFormat, pattern: &I420Buffer) -> (VideoFrameLayout, [Vec<u8>; 3]) {
    let (w, h) = (W as usize, H as usize);
    let pad = 64;
    let layout = |strides| VideoFrameLayout {
        width: W,
        height: H,
        format,
        strides,
        rotation: Rotation::R0,
        timestamp_us: 0,
        full_range: false,
    };
    let padded = |plane: &[u8], width: usize, rows: usize, stride: usize| -> Vec<u8> {
        let mut out = vec![0u8; stride * rows];
        for r in 0..rows {
            out[r * stride..r * stride + width].copy_from_slice(&plane[r * width..(r + 1) * width]);
        }
        out
    };
    match format {
        PixelFormat::I420 => {
            let (ys, cs) = (w + pad, (w + pad) / 2);
            (
                layout([ys as u32, cs as u32, cs as u32]),
                [
                    padded(&pattern.y, w, h, ys),
                    padded(&pattern.u, w / 2, h / 2, cs),
                    padded(&pattern.v, w / 2, h / 2, cs),
                ],
            )
        }
        PixelFormat::Nv12 | PixelFormat::Nv21 => {
            let s = w + pad;
            let uv: Vec<u8> = pattern
                .u
                .iter()
                .zip(&pattern.v)
                .flat_map(|(&u, &v)| [u, v])
                .collect();
            (
                layout([s as u32, s as u32, 0]),
                [
                    padded(&pattern.y, w, h, s),
                    padded(&uv, w, h / 2, s),
                    vec![],
                ],
            )
        }
        PixelFormat::Bgra | PixelFormat::Rgba => {
            // Content does not change the cost of the colour maths; a gradient keeps it honest.
            let s = (w + pad) * 4;
            let px: Vec<u8> = (0..w * h)
                .flat_map(|i| [(i % 251) as u8, (i % 241) as u8, (i / w) as u8, 255])
                .collect();
            (
                layout([s as u32, 0, 0]),
                [padded(&px, w * 4, h, s), vec![], vec![]],
            )
        }
    }
}

fn convert(c: &mut Criterion) {
    let pattern = TestPattern::new(W, H, 30).render(7).clone();
    let mut group = c.benchmark_group("convert 1280x720");
    group.throughput(Throughput::Elements(1));
    // The last case is an Android back camera: NV21, turned, full range (scaled to limited).
    let cases = [
        (PixelFormat::I420, Rotation::R0, false),
        (PixelFormat::Nv12, Rotation::R0, false),
        (PixelFormat::Nv21, Rotation::R0, false),
        (PixelFormat::Bgra, Rotation::R0, false),
        (PixelFormat::Rgba, Rotation::R0, false),
        (PixelFormat::Nv12, Rotation::R90, false),
        (PixelFormat::Nv21, Rotation::R90, true),
    ];
    for (format, rotation, full_range) in cases {
        let (layout, planes) = camera_frame(format, &pattern);
        let layout = VideoFrameLayout {
            rotation,
            full_range,
            ..layout
        };
        let mut out = I420Buffer::new(2, 2);
        let range = if full_range { " full range" } else { "" };
        group.bench_function(format!("{format:?} {rotation:?}{range}"), |b| {
            b.iter(|| {
                convert_frame(&layout, [&planes[0], &planes[1], &planes[2]], &mut out).unwrap();
                black_box(&out.y[0]);
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("turn upright 1280x720");
    group.throughput(Throughput::Elements(1));
    for rotation in [Rotation::R90, Rotation::R180, Rotation::R270] {
        let mut out = I420Buffer::new(2, 2);
        group.bench_function(format!("{rotation:?}"), |b| {
            b.iter(|| {
                let frame = VideoFrame {
                    rotation,
                    ..pattern.frame(Instant::now())
                };
                turn_upright(&frame, &mut out).unwrap();
                black_box(&out.y[0]);
            })
        });
    }
    group.finish();
}

fn pushed_to_rtp(c: &mut Criterion) {
    // Thirty distinct pictures so the encoder does real P-frame work, as NV12 from a camera.
    let mut pattern = TestPattern::new(W, H, 30);
    let frames: Vec<_> = (0..30)
        .map(|i| camera_frame(PixelFormat::Nv12, &pattern.render(i).clone()))
        .collect();
    let mut group = c.benchmark_group("pushed frame to RTP");
    group.throughput(Throughput::Elements(1));
    // The phone held as its sensor lies; held upright, with the picture sent as it lies for a
    // receiver told its turn (CVO); held upright, turned for a receiver that cannot be told.
    let cases = [
        (
            "NV12 1280x720 -> I420 -> H.264 2.5 Mbit/s -> RTP",
            Rotation::R0,
            false,
        ),
        ("held upright, sent as it lies (CVO)", Rotation::R90, false),
        (
            "held upright, turned before the encoder",
            Rotation::R90,
            true,
        ),
    ];
    for (name, rotation, turn) in cases {
        group.bench_function(name, |b| {
            let (w, h) = if turn { (H, W) } else { (W, H) };
            let mut encoder = H264Encoder::new(H264Settings {
                width: w,
                height: h,
                fps: 30,
                bitrate_bps: 2_500_000,
            })
            .unwrap();
            let mut packetizer = new_packetizer(
                Instant::now(),
                1200,
                102,
                0x1e25,
                Box::new(H264Payloader::default()),
                Box::new(new_random_sequencer()),
                90_000,
            );
            let (mut out, mut turned) = (I420Buffer::new(2, 2), I420Buffer::new(2, 2));
            let t0 = Instant::now();
            let mut n = 0u64;
            b.iter(|| {
                let (layout, planes) = &frames[(n % 30) as usize];
                let layout = VideoFrameLayout {
                    rotation,
                    ..*layout
                };
                convert_frame(&layout, [&planes[0], &planes[1], &planes[2]], &mut out).unwrap();
                let at = t0 + Duration::from_millis(33 * n);
                n += 1;
                let lying = VideoFrame {
                    rotation,
                    ..out.frame(at)
                };
                let frame = match turn {
                    true => {
                        turn_upright(&lying, &mut turned).unwrap();
                        turned.frame(at)
                    }
                    false => lying,
                };
                let packets = match encoder.encode(&frame).unwrap() {
                    Some(encoded) => packetizer
                        .packetize(at, &Bytes::clone(&encoded.data), 3000)
                        .unwrap(),
                    None => Vec::new(),
                };
                black_box(packets.len())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, convert, pushed_to_rtp);
criterion_main!(benches);
