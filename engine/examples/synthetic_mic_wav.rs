//! Writes the synthetic microphone (a 440 Hz tone swelling four times a second) as a WAV
//! file, so that the side-by-side benchmark can give Chromium's fake microphone
//! (`--use-file-for-fake-audio-capture`) exactly the sound `lens join` encodes, as
//! `test_pattern_y4m` does for the pictures: the same work for both Opus encoders.
//!
//! ```text
//! synthetic_mic_wav OUT.wav [SECONDS]    # default: 5
//! ```
//!
//! Chromium plays the file in a loop. Whole seconds hold whole cycles of both the tone and
//! its swell, so the loop has no seam. WAV is a 44-byte header, then 16-bit little-endian
//! samples: 48 kHz mono, the engine's own format.

use std::fs::File;
use std::io::{BufWriter, Write};

use lens_engine::media::source::{AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, SineTone};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: synthetic_mic_wav OUT.wav [SECONDS]");
        std::process::exit(2);
    };
    let seconds: u32 = args.get(1).map_or(5, |s| {
        s.parse().unwrap_or_else(|_| {
            eprintln!("not a whole number of seconds: {s}");
            std::process::exit(2)
        })
    });
    let frames = seconds * AUDIO_SAMPLE_RATE / AUDIO_FRAME_SAMPLES as u32;
    let data_bytes = frames * AUDIO_FRAME_SAMPLES as u32 * 2;

    let mut file = BufWriter::new(File::create(out)?);
    file.write_all(b"RIFF")?;
    file.write_all(&(36 + data_bytes).to_le_bytes())?;
    file.write_all(b"WAVEfmt ")?;
    file.write_all(&16u32.to_le_bytes())?; // the fmt chunk's size
    file.write_all(&1u16.to_le_bytes())?; // PCM
    file.write_all(&1u16.to_le_bytes())?; // mono
    file.write_all(&AUDIO_SAMPLE_RATE.to_le_bytes())?;
    file.write_all(&(AUDIO_SAMPLE_RATE * 2).to_le_bytes())?; // bytes a second
    file.write_all(&2u16.to_le_bytes())?; // bytes a sample
    file.write_all(&16u16.to_le_bytes())?; // bits a sample
    file.write_all(b"data")?;
    file.write_all(&data_bytes.to_le_bytes())?;
    let mut tone = SineTone::new(440.0);
    for _ in 0..frames {
        for sample in tone.render() {
            file.write_all(&sample.to_le_bytes())?;
        }
    }
    file.flush()
}
