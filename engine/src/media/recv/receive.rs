//! The receive side: the technician's voice, from RTP through the jitter buffer and the
//! decoder to the playback sink.
//!
//! Runs as one async task with two inputs: packets from the track go into the
//! [`JitterBuffer`], and a 20 ms playout clock takes one decision out of it per frame (decode,
//! rebuild from FEC, conceal, or silence) and pushes the result to the sink. Decoding 20 ms of
//! Opus takes tens of microseconds and the sink only copies into a ring buffer, so nothing
//! here blocks the runtime.

use std::sync::Arc;

use tokio::time::{Instant, MissedTickBehavior};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::jitter::{Arrival, JitterBuffer, Playout};
use super::sink::AudioSink;
use super::standing::is_pause;
use crate::media::codec::{OpusDecoder, rms};
use crate::media::error::MediaError;
use crate::media::source::{AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES};
use crate::media::stats::StatsCounters;

const SILENCE: [i16; AUDIO_FRAME_SAMPLES] = [0; AUDIO_FRAME_SAMPLES];

/// Frames averaged into the reported level: 5 x 20 ms.
const LEVEL_WINDOW: usize = 5;

/// Plays the technician's audio track into `sink` until the track ends, counting decoded
/// frames and the level in `stats`.
pub(crate) async fn play_remote_audio(
    track: Arc<dyn TrackRemote>,
    stats: Arc<StatsCounters>,
    sink: Arc<dyn AudioSink>,
) {
    let out = Output {
        stats: &stats,
        sink: sink.as_ref(),
    };
    let mut decoder = match OpusDecoder::new() {
        Ok(decoder) => decoder,
        Err(error) => {
            tracing::error!(%error, "cannot decode the technician's audio");
            return;
        }
    };
    let mut level = LevelMeter::default();
    let mut buffer = JitterBuffer::new();
    // Burst (the default) catches up after a stalled runtime, so playout keeps the sender's
    // pace on average; the sink's ring absorbs the burst.
    let mut clock =
        tokio::time::interval_at(Instant::now() + AUDIO_FRAME_DURATION, AUDIO_FRAME_DURATION);
    clock.set_missed_tick_behavior(MissedTickBehavior::Burst);

    loop {
        tokio::select! {
            event = track.poll() => match event {
                Some(TrackRemoteEvent::OnRtpPacket(packet)) => {
                    if packet.payload.is_empty() {
                        continue;
                    }
                    let arrival = buffer.insert(packet.header.sequence_number, packet.payload);
                    if arrival == Arrival::Late {
                        tracing::trace!("a late audio packet was dropped");
                    }
                }
                Some(TrackRemoteEvent::OnEnded) | None => break,
                Some(_) => {}
            },
            _ = clock.tick() => play_one_frame(&mut buffer, &mut decoder, &mut level, &out),
        }
    }
}

/// Where a decoded frame goes.
struct Output<'a> {
    stats: &'a StatsCounters,
    sink: &'a dyn AudioSink,
}

fn play_one_frame(
    buffer: &mut JitterBuffer,
    decoder: &mut OpusDecoder,
    level: &mut LevelMeter,
    out: &Output<'_>,
) {
    let decoded = match buffer.pop() {
        Playout::Packet(packet) => {
            let pcm = decode_counted(decoder, &packet, out.stats);
            // A pause in the talk, while the buffer holds more than it needs: the frame just
            // decoded goes unheard and the next plays now, a frame less of delay (see
            // `jitter.rs`). Decoded all the same, so the decoder runs on without a break.
            let pause = matches!(&pcm, Ok(pcm) if is_pause(pcm)) && level.last_was_pause;
            match pause.then(|| buffer.shed()).flatten() {
                Some(next) => {
                    StatsCounters::bump(&out.stats.remote_audio_frames_shed);
                    decode_counted(decoder, &next, out.stats)
                }
                None => pcm,
            }
        }
        Playout::Recover(next) => decoder.recover(&next),
        Playout::Conceal => decoder.conceal(),
        Playout::Silence => {
            out.stats.set_remote_audio_level(level.push(&SILENCE));
            // Pushed all the same: the playout stays a steady 20 ms per frame, which the
            // mix of several voices waits on (`mixer.rs`).
            out.sink.push(&SILENCE);
            return;
        }
    };
    match decoded {
        Ok(pcm) => {
            out.stats.set_remote_audio_level(level.push(pcm));
            out.sink.push(pcm);
        }
        Err(error) => tracing::debug!(%error, "undecodable Opus packet"),
    }
}

/// Decodes one packet of the voice, counting it in the stats.
fn decode_counted<'d>(
    decoder: &'d mut OpusDecoder,
    packet: &[u8],
    stats: &StatsCounters,
) -> Result<&'d [i16], MediaError> {
    let pcm = decoder.decode(packet);
    if pcm.is_ok() {
        StatsCounters::bump(&stats.remote_audio_frames_decoded);
    }
    pcm
}

/// RMS over the last [`LEVEL_WINDOW`] frames.
#[derive(Debug, Default)]
struct LevelMeter {
    mean_squares: [f32; LEVEL_WINDOW],
    next: usize,
    /// Whether the frame pushed last was a pause (silence played counts: nothing was said).
    last_was_pause: bool,
}

impl LevelMeter {
    fn push(&mut self, pcm: &[i16]) -> f32 {
        let frame = rms(pcm);
        self.last_was_pause = is_pause(pcm);
        self.mean_squares[self.next] = frame * frame;
        self.next = (self.next + 1) % LEVEL_WINDOW;
        (self.mean_squares.iter().sum::<f32>() / LEVEL_WINDOW as f32).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    use bytes::Bytes;

    use super::super::jitter::TARGET_DEPTH;
    use crate::media::codec::{OpusEncoder, VoiceProfile};
    use crate::media::recv::sink::NullSink;
    use crate::media::source::SineTone;

    /// Plays `frames` decisions while the talker's `frame`s keep coming, one per decision,
    /// into a buffer that starts eight packets deep (the burst after a stall): after a second
    /// five of them stand above the cushion. Returns the packets left waiting.
    fn play_after_a_stall(
        frames: usize,
        frame: &mut impl FnMut() -> Bytes,
        decoder: &mut OpusDecoder,
        out: &Output<'_>,
    ) -> usize {
        let mut buffer = JitterBuffer::new();
        let mut level = LevelMeter::default();
        let mut sequence = 0u16;
        for _ in 0..8 {
            buffer.insert(sequence, frame());
            sequence += 1;
        }
        for _ in 0..frames {
            play_one_frame(&mut buffer, decoder, &mut level, out);
            buffer.insert(sequence, frame());
            sequence += 1;
        }
        buffer.len()
    }

    #[test]
    fn only_a_pause_is_shed_never_a_word() {
        let mut decoder = OpusDecoder::new().unwrap();
        let stats = StatsCounters::default();
        let out = Output {
            stats: &stats,
            sink: &NullSink,
        };
        let shed = || stats.remote_audio_frames_shed.load(Relaxed);

        let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
        let mut tone = SineTone::new(440.0);
        let mut talk = || encoder.encode(tone.render()).unwrap();
        let left = play_after_a_stall(60, &mut talk, &mut decoder, &out);
        assert_eq!(
            (shed(), left),
            (0, 8),
            "the talker never paused: nothing taken"
        );

        let mut encoder = OpusEncoder::new(VoiceProfile::default()).unwrap();
        let mut pause = || encoder.encode(&SILENCE).unwrap();
        let left = play_after_a_stall(60, &mut pause, &mut decoder, &out);
        assert_eq!(
            (shed(), left),
            (5, TARGET_DEPTH),
            "the pause shed back to the target"
        );
    }

    #[test]
    fn the_level_averages_the_last_100_ms() {
        let mut meter = LevelMeter::default();
        let loud = [i16::MAX; 960];
        let quiet = [0i16; 960];
        for _ in 0..LEVEL_WINDOW {
            meter.push(&loud);
        }
        assert!((meter.push(&loud) - 1.0).abs() < 1e-6);
        for _ in 0..LEVEL_WINDOW - 1 {
            meter.push(&quiet);
        }
        assert!(
            meter.push(&quiet) < 1e-6,
            "five quiet frames later the level is zero"
        );
    }
}
