//! The customer's voice through the engine's own Opus encoder and decoder at several
//! complexities, for `tests/bench/voice_quality.py`, which scores what comes out (PESQ).
//!
//! ```text
//! voice_round_trip IN.raw OUT_DIR COMPLEXITY[,COMPLEXITY...] [EXPECTED_LOSS_PERCENT]
//! ```
//!
//! IN.raw is 16-bit little-endian mono PCM at 48 kHz, the engine's own format; whatever is
//! left over after the last whole 20 ms frame is not sent. For each complexity the frames are
//! encoded as a call encodes them ([`VoiceProfile`]: voip mode, 32 kbit/s, in-band FEC planned
//! for EXPECTED_LOSS_PERCENT, by default the profile's; DTX), decoded in order, and written
//! to OUT_DIR/complexity-N.raw in the same format. Prints one line per complexity:
//! `complexity N: X µs per 20 ms, Y kbit/s`, X the median over five passes of the encoder's
//! time per frame (the encoder is new each pass, as at the start of a call).

use std::time::Instant;

use lens_engine::media::VoiceProfile;
use lens_engine::media::codec::{OpusDecoder, OpusEncoder};
use lens_engine::media::source::AUDIO_FRAME_SAMPLES;

const PASSES: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, out_dir, complexities, loss) = match args.as_slice() {
        [input, out_dir, complexities] => (input, out_dir, complexities, None),
        [input, out_dir, complexities, loss] => (input, out_dir, complexities, Some(loss)),
        _ => {
            eprintln!("usage: voice_round_trip IN.raw OUT_DIR COMPLEXITY[,...] [LOSS_PERCENT]");
            std::process::exit(2);
        }
    };
    let bytes = std::fs::read(input)?;
    let pcm: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let frames: Vec<&[i16]> = pcm.chunks_exact(AUDIO_FRAME_SAMPLES).collect();
    if frames.is_empty() {
        return Err(format!("{input}: shorter than one 20 ms frame").into());
    }
    let defaults = VoiceProfile::default();
    let expected_loss_percent = match loss {
        Some(loss) => loss.parse()?,
        None => defaults.expected_loss_percent,
    };

    for complexity in complexities.split(',') {
        let profile = VoiceProfile {
            complexity: complexity.parse()?,
            expected_loss_percent,
        };
        let mut per_frame_us = Vec::with_capacity(PASSES);
        let mut packets = Vec::with_capacity(frames.len());
        for _ in 0..PASSES {
            let mut encoder = OpusEncoder::new(profile)?;
            packets.clear();
            let start = Instant::now();
            for frame in &frames {
                packets.push(encoder.encode(frame)?);
            }
            per_frame_us.push(start.elapsed().as_secs_f64() * 1e6 / frames.len() as f64);
        }
        per_frame_us.sort_by(f64::total_cmp);

        let mut decoder = OpusDecoder::new()?;
        let mut decoded = Vec::with_capacity(bytes.len());
        for packet in &packets {
            for sample in decoder.decode(packet)? {
                decoded.extend_from_slice(&sample.to_le_bytes());
            }
        }
        std::fs::write(
            format!("{out_dir}/complexity-{}.raw", profile.complexity),
            decoded,
        )?;
        let sent_bits: usize = packets.iter().map(|p| p.len() * 8).sum();
        println!(
            "complexity {}: {:.1} µs per 20 ms, {:.1} kbit/s",
            profile.complexity,
            per_frame_us[PASSES / 2],
            sent_bits as f64 / (frames.len() as f64 * 20.0)
        );
    }
    Ok(())
}
