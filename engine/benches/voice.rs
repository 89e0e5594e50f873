//! Per-frame costs of the customer's voice: `cargo bench -p lens-engine --bench voice`.
//!
//! Opus with the voice profile (mono 48 kHz, 20 ms, FEC, DTX) at complexity 6, the engine's
//! default, against 10 (libopus's default) as the baseline in the same run, and 5 (phone
//! dialers'), which costs what 6 does (`codec/opus.rs` says why); the microphone's
//! down-mix and resampling per 10 ms of a 44.1 kHz stereo device; the receive side's decode
//! and FEC recovery.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lens_engine::media::VoiceProfile;
use lens_engine::media::codec::{OpusDecoder, OpusEncoder};
use lens_engine::media::source::resample::MonoResampler;

/// Two seconds of a voice-like signal: a 140 Hz buzz with harmonics whose loudness changes
/// like syllables, so that the encoder does speech work (a pure tone is too easy).
fn talker() -> Vec<[i16; 960]> {
    (0..100)
        .map(|frame| {
            let mut pcm = [0i16; 960];
            for (i, sample) in pcm.iter_mut().enumerate() {
                let t = (frame * 960 + i) as f64 / 48_000.0;
                let syllable = 0.5 + 0.5 * (std::f64::consts::TAU * 4.0 * t).sin();
                let voice: f64 = (1..8)
                    .map(|h| (std::f64::consts::TAU * 140.0 * h as f64 * t).sin() / h as f64)
                    .sum();
                *sample = (0.15 * syllable * voice * f64::from(i16::MAX)) as i16;
            }
            pcm
        })
        .collect()
}

fn opus_encode(c: &mut Criterion) {
    let frames = talker();
    let mut group = c.benchmark_group("opus voice encode 20 ms");
    for complexity in [5u8, 6, 10] {
        let mut encoder = OpusEncoder::new(VoiceProfile {
            complexity,
            ..VoiceProfile::default()
        })
        .unwrap();
        let mut n = 0usize;
        group.bench_function(format!("complexity {complexity}"), |b| {
            b.iter(|| {
                n += 1;
                black_box(encoder.encode(&frames[n % frames.len()]).unwrap())
            });
        });
    }
    group.finish();
}

fn opus_decode(c: &mut Criterion) {
    let frames = talker();
    let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
    let packets: Vec<_> = frames.iter().map(|f| encoder.encode(f).unwrap()).collect();
    let mut decoder = OpusDecoder::new().unwrap();
    let mut group = c.benchmark_group("opus voice decode 20 ms");
    let mut n = 0usize;
    group.bench_function("packet", |b| {
        b.iter(|| {
            n += 1;
            black_box(decoder.decode(&packets[n % packets.len()]).unwrap().len())
        });
    });
    group.bench_function("FEC recovery from the next packet", |b| {
        b.iter(|| {
            n += 1;
            black_box(decoder.recover(&packets[n % packets.len()]).unwrap().len())
        });
    });
    group.finish();
}

fn resample(c: &mut Criterion) {
    let mut group = c.benchmark_group("microphone 10 ms to 48 kHz mono");
    for (name, rate, channels) in [
        ("44.1 kHz stereo", 44_100u32, 2usize),
        ("48 kHz stereo (down-mix only)", 48_000, 2),
    ] {
        let block = (rate / 100) as usize * channels;
        let input: Vec<f32> = (0..block)
            .map(|i| ((i as f32) * 0.01).sin() * 0.3)
            .collect();
        let mut resampler = MonoResampler::new(rate).unwrap();
        let mut frame = [0i16; 960];
        group.bench_function(name, |b| {
            b.iter(|| {
                resampler.push_interleaved(black_box(&input), channels);
                black_box(resampler.pop_frame(&mut frame))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, opus_encode, opus_decode, resample);
criterion_main!(benches);
