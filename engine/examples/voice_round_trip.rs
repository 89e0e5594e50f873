//! The customer's voice through the engine's own Opus encoder and decoder at several
//! complexities, for `tests/bench/voice_quality.py`, which scores what comes out (PESQ).
//!
//! ```text
//! voice_round_trip IN.raw OUT_DIR COMPLEXITY[,COMPLEXITY...] [EXPECTED_LOSS_PERCENT [LOSE_EVERY [BITRATE]]]
//! voice_round_trip --call
//! ```
//!
//! `--call` prints what a call uses, for the bench to read rather than copy:
//! `complexity 6, under loss 8, loss floor 5 %, 40000 bit/s`.
//!
//! IN.raw is 16-bit little-endian mono PCM at 48 kHz, the engine's own format; whatever is
//! left over after the last whole 20 ms frame is not sent. For each complexity the frames are
//! encoded as a call encodes them ([`VoiceProfile`]: voip mode, [`VOICE_BITRATE_BPS`] unless
//! BITRATE (bit/s) says otherwise, in-band FEC planned for EXPECTED_LOSS_PERCENT, by default
//! the profile's; DTX), decoded in order, and written
//! to OUT_DIR/complexity-N.raw in the same format. With LOSE_EVERY, every LOSE_EVERY-th packet
//! is lost on the way and played as the receiver plays it (`recv/jitter.rs`): rebuilt from the
//! in-band FEC of the packet after it, which arrives. Prints one line per complexity:
//! `complexity N: X µs per 20 ms, Y kbit/s`, X the median over five passes of the encoder's
//! time per frame (the encoder is new each pass, as at the start of a call).

use std::time::Instant;

use lens_engine::media::VoiceProfile;
use lens_engine::media::codec::{OpusDecoder, OpusEncoder, VOICE_BITRATE_BPS};
use lens_engine::media::source::AUDIO_FRAME_SAMPLES;

const PASSES: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--call"] {
        let call = VoiceProfile::default();
        println!(
            "complexity {}, under loss {}, loss floor {} %, {VOICE_BITRATE_BPS} bit/s",
            call.complexity,
            call.complexity_under_loss(),
            call.expected_loss_percent
        );
        return Ok(());
    }
    let [input, out_dir, complexities, optional @ ..] = args.as_slice() else {
        usage();
    };
    if optional.len() > 3 {
        usage();
    }
    let (loss, lose_every, bitrate) = (optional.first(), optional.get(1), optional.get(2));
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
    let lose_every: usize = lose_every.map_or(Ok(0), |every| every.parse())?;
    let bitrate: u32 = bitrate.map_or(Ok(VOICE_BITRATE_BPS), |bps| bps.parse())?;
    // Never two in a row (LOSE_EVERY >= 2), so the packet after a lost one always arrives.
    if lose_every == 1 {
        return Err("LOSE_EVERY must be 0 (nothing lost) or at least 2".into());
    }
    let lost = |i: usize| lose_every > 0 && i % lose_every == lose_every - 1;

    for complexity in complexities.split(',') {
        let profile = VoiceProfile {
            complexity: complexity.parse()?,
            expected_loss_percent,
        };
        let mut per_frame_us = Vec::with_capacity(PASSES);
        let mut packets = Vec::with_capacity(frames.len());
        for _ in 0..PASSES {
            let mut encoder = OpusEncoder::new(profile)?;
            encoder.set_bitrate(bitrate)?;
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
        for (i, packet) in packets.iter().enumerate() {
            let pcm = match packets.get(i + 1) {
                Some(next) if lost(i) => decoder.recover(next)?,
                None if lost(i) => decoder.conceal()?,
                _ => decoder.decode(packet)?,
            };
            for sample in pcm {
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

fn usage() -> ! {
    eprintln!(
        "usage: voice_round_trip IN.raw OUT_DIR COMPLEXITY[,...] [LOSS_PERCENT [LOSE_EVERY [BITRATE]]]\n       voice_round_trip --call"
    );
    std::process::exit(2);
}
