//! Opus at 48 kHz mono in 20 ms frames, both directions.

use bytes::Bytes;
use opus::{Application, Bitrate, Channels};

use super::loss_plan::{LossPlan, lossy_complexity};
use crate::media::error::MediaError;
use crate::media::source::{AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE};

/// The fmtp offered for Opus: in-band FEC lets the receiver rebuild a lost frame from the
/// next one.
pub const OPUS_FMTP: &str = "minptime=10;useinbandfec=1";

/// The customer's voice at 40 kbit/s, not the 32 WebRTC senders use, so that the packets carry
/// FEC from the first one: at 32 libopus sends none at the profile's 5 % loss floor below
/// complexity 9. It turns FEC on only when its "equivalent rate" (the bitrate scaled by
/// (90 + complexity) % and by the planned loss) clears a threshold for the bandwidth, 27.6
/// kbit/s for fullband at 5 % (`decide_fec` in libopus 1.6); 32 kbit/s at complexity 6 makes
/// 26.9. At 40 a clean call sounds as it did (`make bench-voice`: PESQ 4.13 against 4.05, the
/// levels above 8 kHz within 0.2 dB) and one packet in ten lost is rebuilt, not concealed (3.52
/// against 2.03), for about 6 kbit/s more on the wire and the FEC's second quantiser pass (191
/// against 134 µs a 20 ms frame). DEVELOPERS.md has the tables.
pub const VOICE_BITRATE_BPS: u32 = 40_000;

/// The largest Opus packet is 1275 bytes per frame; 1500 is one MTU and ample for 20 ms.
const MAX_PACKET: usize = 1500;

/// Longest frame a remote may send: 120 ms at 48 kHz.
const MAX_FRAME_SAMPLES: usize = 5760;

/// How the customer's voice is encoded: the settings phones use for calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceProfile {
    /// libopus complexity 0 (cheapest) to 10 (best) on a clean link; two more while the
    /// receiver reports loss (`lossy_complexity`). See [`DEFAULT_COMPLEXITY`]. Below 2
    /// libopus rates its own quantiser a fifth lower and sends no FEC until the planned loss
    /// rises above the 5 % floor.
    pub complexity: u8,
    /// The loss the encoder plans for until the receiver's reports say otherwise. In-band FEC
    /// only spends bits when this is above zero.
    pub expected_loss_percent: u8,
}

/// The voice's complexity unless a shell asks for another: 6, not the 5 phone dialers (and
/// Chromium on phones) use. From 6 up, SILK's noise shaping keeps three candidate paths
/// instead of two, and libopus has SIMD code for that search (AVX2, NEON) only with three or
/// four: at 5 it runs its plain C loop. So 6 costs what 5 does, 0.7x of 10 (on x86_64 179
/// against 183 µs a 20 ms frame of speech with its FEC), and comes within 0.1 of 10: PESQ 4.13
/// against 4.00 for 5 and 4.20 for 10 on a clean call, 3.20 against 3.11 and 3.35 with one
/// packet in four lost (`make bench-voice`, `tests/bench/voice_quality.py`).
pub const DEFAULT_COMPLEXITY: u8 = 6;

impl Default for VoiceProfile {
    fn default() -> Self {
        Self {
            complexity: DEFAULT_COMPLEXITY,
            expected_loss_percent: 5,
        }
    }
}

impl VoiceProfile {
    /// The complexity this profile's voice runs at while the technician's receiver reports
    /// loss (`lossy_complexity`).
    pub fn complexity_under_loss(&self) -> u8 {
        lossy_complexity(self.complexity)
    }

    pub(crate) fn validate(&self) -> Result<(), MediaError> {
        if self.complexity > 10 || self.expected_loss_percent > 100 {
            return Err(MediaError::InvalidConfig(format!(
                "Opus complexity {} (0 to 10) or expected loss {} % (0 to 100) out of range",
                self.complexity, self.expected_loss_percent
            )));
        }
        Ok(())
    }
}

/// Encodes the customer's microphone: mono 48 kHz, 20 ms frames, voip mode, in-band FEC and
/// DTX (silence costs a 1-byte packet every 20 ms instead of a full frame).
pub struct OpusEncoder {
    inner: opus::Encoder,
    packet: [u8; MAX_PACKET],
    loss_plan: LossPlan,
    /// The profile's complexity, what a clean link gets ([`lossy_complexity`] otherwise).
    clean_complexity: u8,
}

impl OpusEncoder {
    pub fn new(profile: VoiceProfile) -> Result<Self, MediaError> {
        profile.validate()?;
        let mut inner = opus::Encoder::new(AUDIO_SAMPLE_RATE, Channels::Mono, Application::Voip)?;
        inner.set_complexity(i32::from(profile.complexity))?;
        inner.set_inband_fec(true)?;
        inner.set_dtx(true)?;
        inner.set_packet_loss_perc(i32::from(profile.expected_loss_percent))?;
        let mut encoder = Self {
            inner,
            packet: [0; MAX_PACKET],
            loss_plan: LossPlan::new(profile.expected_loss_percent),
            clean_complexity: profile.complexity,
        };
        encoder.set_bitrate(VOICE_BITRATE_BPS)?;
        Ok(encoder)
    }

    /// Encodes at `bps` from the next frame on. A call keeps [`VOICE_BITRATE_BPS`]; the voice
    /// bench (`examples/voice_round_trip`) compares others.
    pub fn set_bitrate(&mut self, bps: u32) -> Result<(), MediaError> {
        self.inner
            .set_bitrate(Bitrate::Bits(i32::try_from(bps).unwrap_or(i32::MAX)))?;
        Ok(())
    }

    /// Tells the encoder how much loss to plan its FEC for.
    pub fn set_expected_loss(&mut self, percent: u8) -> Result<(), MediaError> {
        self.inner
            .set_packet_loss_perc(i32::from(percent.min(100)))?;
        Ok(())
    }

    /// Plans the in-band FEC for the loss the technician's receiver reports (RTCP fraction
    /// lost, in per mille), as [`LossPlan`] smooths it, and raises the complexity while that
    /// plan is above the profile's floor (`lossy_complexity`). Cheap; call it once a report.
    pub fn follow_reported_loss(&mut self, reported_permille: u32) -> Result<(), MediaError> {
        let Some(percent) = self.loss_plan.follow(reported_permille) else {
            return Ok(());
        };
        self.set_expected_loss(percent)?;
        let complexity = match self.loss_plan.above_floor() {
            true => lossy_complexity(self.clean_complexity),
            false => self.clean_complexity,
        };
        self.inner.set_complexity(i32::from(complexity))?;
        Ok(())
    }

    /// The complexity the encoder runs at now, as libopus has it.
    pub fn complexity(&mut self) -> Result<u8, MediaError> {
        let complexity = self.inner.get_complexity()?;
        Ok(u8::try_from(complexity).unwrap_or(u8::MAX))
    }

    /// The loss the in-band FEC is planned for now, in percent.
    pub fn planned_loss_percent(&self) -> u8 {
        self.loss_plan.current()
    }

    /// Encodes one 20 ms frame ([`AUDIO_FRAME_SAMPLES`] samples). During silence (DTX) the
    /// packet is one or two bytes; it is still sent, so the receiver's jitter buffer sees an
    /// unbroken sequence and decodes it as comfort noise.
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

    /// Rebuilds a lost 20 ms frame from the in-band FEC data carried by the packet that
    /// followed it. Falls back to concealment inside libopus when `next` carries no FEC.
    pub fn recover(&mut self, next: &[u8]) -> Result<&[i16], MediaError> {
        let n = self
            .inner
            .decode(next, &mut self.pcm[..AUDIO_FRAME_SAMPLES], true)?;
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
        let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
        let mut decoder = OpusDecoder::new().unwrap();
        let (mut levels, mut sent) = (Vec::new(), Vec::new());
        for _ in 0..25 {
            let pcm = tone.render();
            sent.push(rms(pcm));
            let packet = encoder.encode(pcm).unwrap();
            assert!(
                !packet.is_empty() && packet.len() < 400,
                "{} bytes",
                packet.len()
            );
            let pcm = decoder.decode(&packet).unwrap();
            assert_eq!(pcm.len(), AUDIO_FRAME_SAMPLES);
            levels.push(rms(pcm));
        }
        // Opus keeps the level within a few percent once past its first frames.
        let settled = levels[10..].iter().sum::<f32>() / 15.0;
        let original = sent[10..].iter().sum::<f32>() / 15.0;
        assert!(original > 0.05, "the tone is audible: RMS {original}");
        assert!(
            (0.85..1.15).contains(&(settled / original)),
            "decoded RMS {settled}, sent {original}"
        );
        assert!(decoder.conceal().unwrap().len() == AUDIO_FRAME_SAMPLES);
    }

    #[test]
    fn the_synthetic_microphone_is_heard_for_as_long_as_it_plays() {
        // DTX sends 1-byte packets for what it takes for background noise; the synthetic
        // microphone (`lens join` without --mic) must be heard by the technician all along.
        let mut tone = SineTone::new(440.0);
        let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
        let mut decoder = OpusDecoder::new().unwrap();
        let (mut silenced, mut levels) = (0, Vec::new());
        for _ in 0..500 {
            let packet = encoder.encode(tone.render()).unwrap();
            if packet.len() <= 2 {
                silenced += 1;
            }
            levels.push(rms(decoder.decode(&packet).unwrap()));
        }
        assert_eq!(
            silenced, 0,
            "10 s of the synthetic microphone: {silenced} frames sent as silence"
        );
        // Every second is as loud as the first (its swells average 0.58 of the peak's RMS).
        for (second, window) in levels.chunks(50).enumerate() {
            let mean = window.iter().sum::<f32>() / 50.0;
            assert!(mean > 0.06, "second {second}: mean RMS {mean}");
        }
    }

    /// A talker: a 300 Hz tone whose loudness changes every frame, so a concealed frame (a
    /// continuation of the last one) differs from the real one, while a frame rebuilt from
    /// FEC has the real frame's loudness.
    fn talker(frame: usize) -> Vec<i16> {
        let amplitude = [0.05, 0.3, 0.1, 0.25][frame % 4] * f64::from(i16::MAX);
        (0..AUDIO_FRAME_SAMPLES)
            .map(|i| {
                let t = (frame * AUDIO_FRAME_SAMPLES + i) as f64 / f64::from(AUDIO_SAMPLE_RATE);
                (amplitude * (std::f64::consts::TAU * 300.0 * t).sin()) as i16
            })
            .collect()
    }

    /// Loses one loud frame of the talker after a quiet one and plays it both ways: rebuilt
    /// from the next packet's FEC and concealed. Returns their levels and the real frame's.
    fn lose_a_frame(profile: VoiceProfile) -> (f32, f32, f32) {
        let mut encoder = OpusEncoder::new(profile).unwrap();
        let packets: Vec<Bytes> = (0..60)
            .map(|f| encoder.encode(&talker(f)).unwrap())
            .collect();
        let reference = {
            let mut decoder = OpusDecoder::new().unwrap();
            let levels: Vec<f32> = packets
                .iter()
                .map(|p| rms(decoder.decode(p).unwrap()))
                .collect();
            levels
        };
        let lost = 41; // a loud frame (41 % 4 == 1) after a quiet one
        let mut with_fec = OpusDecoder::new().unwrap();
        let mut with_plc = OpusDecoder::new().unwrap();
        for p in &packets[..lost] {
            with_fec.decode(p).unwrap();
            with_plc.decode(p).unwrap();
        }
        let recovered = rms(with_fec.recover(&packets[lost + 1]).unwrap());
        let concealed = rms(with_plc.conceal().unwrap());
        (recovered, concealed, reference[lost])
    }

    fn assert_rebuilt(profile: VoiceProfile) {
        let (recovered, concealed, want) = lose_a_frame(profile);
        assert!(
            (recovered - want).abs() < 0.35 * want,
            "{profile:?}: FEC frame level {recovered}, the real frame {want}, concealed {concealed}"
        );
        assert!(
            (concealed - want).abs() > (recovered - want).abs(),
            "{profile:?}: concealment ({concealed}) should be further from {want} than FEC ({recovered})"
        );
    }

    #[test]
    fn a_lost_frame_is_rebuilt_from_the_fec_in_the_next_packet() {
        assert_rebuilt(VoiceProfile {
            complexity: 5,
            expected_loss_percent: 20,
        });
    }

    #[test]
    fn a_call_that_has_seen_no_loss_yet_still_sends_fec() {
        // The first lost packet of a call comes before any receiver report has raised the
        // plan above the profile's floor: it must be rebuilt too, at the complexities a shell
        // would choose (at 32 kbit/s libopus sent no FEC at the 5 % floor below complexity 9;
        // below 2 it still sends none, see `VoiceProfile::complexity`).
        for complexity in [2, 5, DEFAULT_COMPLEXITY, 10] {
            assert_rebuilt(VoiceProfile {
                complexity,
                ..VoiceProfile::default()
            });
        }
    }

    #[test]
    fn without_a_loss_plan_the_lost_frame_is_only_concealed() {
        // What the test above guards against: no FEC in the packets, so "recovering" from the
        // next packet is concealment and misses the real frame's level.
        let (recovered, concealed, want) = lose_a_frame(VoiceProfile {
            expected_loss_percent: 0,
            ..VoiceProfile::default()
        });
        assert!(
            (recovered - want).abs() > 0.35 * want,
            "no FEC planned, yet the lost frame came back at {recovered} (real {want}, concealed {concealed})"
        );
    }

    #[test]
    fn silence_costs_almost_nothing_with_dtx() {
        let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
        let silence = [0i16; AUDIO_FRAME_SAMPLES];
        let sizes: Vec<usize> = (0..50)
            .map(|_| encoder.encode(&silence).unwrap().len())
            .collect();
        // After a short hangover libopus sends 1-byte DTX frames, with a comfort-noise
        // update every 400 ms.
        let tiny = sizes[10..].iter().filter(|&&n| n <= 3).count();
        assert!(tiny >= 36, "{sizes:?}");
        let mut decoder = OpusDecoder::new().unwrap();
        let pcm = decoder.decode(&encoder.encode(&silence).unwrap()).unwrap();
        assert_eq!(
            pcm.len(),
            AUDIO_FRAME_SAMPLES,
            "a DTX frame decodes to 20 ms"
        );
    }

    #[test]
    fn complexity_outside_0_to_10_is_refused() {
        let profile = VoiceProfile {
            complexity: 11,
            ..VoiceProfile::default()
        };
        assert!(matches!(
            OpusEncoder::new(profile),
            Err(MediaError::InvalidConfig(_))
        ));
    }

    #[test]
    fn the_complexity_rises_while_loss_is_reported_and_comes_back_after() {
        let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
        let complexity = |encoder: &mut OpusEncoder| encoder.complexity().unwrap();
        assert_eq!(complexity(&mut encoder), DEFAULT_COMPLEXITY);
        encoder.follow_reported_loss(0).unwrap();
        assert_eq!(
            complexity(&mut encoder),
            6,
            "a clean link keeps the profile's"
        );
        encoder.follow_reported_loss(100).unwrap();
        assert_eq!(complexity(&mut encoder), 8, "10 % reported");
        let mut decoder = OpusDecoder::new().unwrap();
        for frame in 0..10 {
            let packet = encoder.encode(&talker(frame)).unwrap();
            assert_eq!(decoder.decode(&packet).unwrap().len(), AUDIO_FRAME_SAMPLES);
        }
        // The plan comes down 2 points a report, from 10 to the 5 % floor in three.
        for reports in 0..3 {
            assert_eq!(complexity(&mut encoder), 8, "after {reports} clean reports");
            encoder.follow_reported_loss(0).unwrap();
        }
        assert_eq!(encoder.planned_loss_percent(), 5);
        assert_eq!(
            complexity(&mut encoder),
            6,
            "back at the floor, back to the profile's"
        );

        let nine = VoiceProfile {
            complexity: 9,
            ..VoiceProfile::default()
        };
        let mut encoder = OpusEncoder::new(nine).unwrap();
        encoder.follow_reported_loss(250).unwrap();
        assert_eq!(complexity(&mut encoder), 10, "never above libopus's 10");
    }

    #[test]
    fn rms_of_known_signals() {
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(rms(&[0; 960]), 0.0);
        assert!((rms(&[i16::MAX; 960]) - 1.0).abs() < 1e-6);
    }
}
