//! Opus at 48 kHz mono in 20 ms frames, both directions.

use bytes::Bytes;
use opus::{Application, Bitrate, Channels};

use crate::media::error::MediaError;
use crate::media::source::{AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE};

/// The fmtp offered for Opus: in-band FEC lets the receiver rebuild a lost frame from the
/// next one.
pub const OPUS_FMTP: &str = "minptime=10;useinbandfec=1";

/// 32 kbit/s: transparent for speech in voip mode, and leaves room for FEC.
const BITRATE_BPS: i32 = 32_000;

/// The largest Opus packet is 1275 bytes per frame; 1500 is one MTU and ample for 20 ms.
const MAX_PACKET: usize = 1500;

/// Longest frame a remote may send: 120 ms at 48 kHz.
const MAX_FRAME_SAMPLES: usize = 5760;

/// Encodes the customer's microphone.
pub struct OpusEncoder {
    inner: opus::Encoder,
    packet: [u8; MAX_PACKET],
}

impl OpusEncoder {
    pub fn new() -> Result<Self, MediaError> {
        let mut inner = opus::Encoder::new(AUDIO_SAMPLE_RATE, Channels::Mono, Application::Voip)?;
        inner.set_bitrate(Bitrate::Bits(BITRATE_BPS))?;
        inner.set_inband_fec(true)?;
        // FEC only kicks in when the encoder expects loss; 5 % is a typical mobile uplink.
        inner.set_packet_loss_perc(5)?;
        Ok(Self {
            inner,
            packet: [0; MAX_PACKET],
        })
    }

    /// Encodes one 20 ms frame ([`AUDIO_FRAME_SAMPLES`] samples).
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Bytes, MediaError> {
        debug_assert_eq!(pcm.len(), AUDIO_FRAME_SAMPLES);
        let len = self.inner.encode(pcm, &mut self.packet)?;
        Ok(Bytes::copy_from_slice(&self.packet[..len]))
    }
}

/// Decodes the technician's voice.
pub struct OpusDecoder {
    inner: opus::Decoder,
    pcm: Vec<i16>,
}

impl OpusDecoder {
    pub fn new() -> Result<Self, MediaError> {
        // Mono output whatever the sender encoded: libopus downmixes a stereo packet.
        let inner = opus::Decoder::new(AUDIO_SAMPLE_RATE, Channels::Mono)?;
        Ok(Self {
            inner,
            pcm: vec![0; MAX_FRAME_SAMPLES],
        })
    }

    /// Decodes one packet; the samples are valid until the next call.
    pub fn decode(&mut self, packet: &[u8]) -> Result<&[i16], MediaError> {
        let n = self.inner.decode(packet, &mut self.pcm, false)?;
        Ok(&self.pcm[..n])
    }

    /// Synthesises one 20 ms frame in place of a lost packet (packet loss concealment).
    pub fn conceal(&mut self) -> Result<&[i16], MediaError> {
        let n = self
            .inner
            .decode(&[], &mut self.pcm[..AUDIO_FRAME_SAMPLES], false)?;
        Ok(&self.pcm[..n])
    }
}

/// Root mean square of `samples`, 0.0 (silence) to 1.0 (full-scale square wave).
pub fn rms(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    ((sum / samples.len() as f64).sqrt() / f64::from(i16::MAX)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::source::SineTone;

    #[test]
    fn a_tone_survives_an_encode_decode_round_trip() {
        let mut tone = SineTone::new(440.0);
        let mut encoder = OpusEncoder::new().unwrap();
        let mut decoder = OpusDecoder::new().unwrap();
        let mut levels = Vec::new();
        for _ in 0..25 {
            let packet = encoder.encode(tone.render()).unwrap();
            assert!(
                !packet.is_empty() && packet.len() < 400,
                "{} bytes",
                packet.len()
            );
            let pcm = decoder.decode(&packet).unwrap();
            assert_eq!(pcm.len(), AUDIO_FRAME_SAMPLES);
            levels.push(rms(pcm));
        }
        // A sine of amplitude 0.2 has RMS 0.2 / sqrt(2) = 0.141; Opus keeps it within a few
        // percent once past its first frames.
        let settled = levels[10..].iter().sum::<f32>() / 15.0;
        assert!((0.12..0.16).contains(&settled), "decoded RMS {settled}");
        assert!(decoder.conceal().unwrap().len() == AUDIO_FRAME_SAMPLES);
    }

    #[test]
    fn rms_of_known_signals() {
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(rms(&[0; 960]), 0.0);
        assert!((rms(&[i16::MAX; 960]) - 1.0).abs() < 1e-6);
    }
}
