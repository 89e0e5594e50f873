//! The receive side: the technician's voice, from RTP to the playback sink.
//!
//! Runs as an async task: decoding 20 ms of Opus takes tens of microseconds, and the sink only
//! copies into a ring buffer, so nothing here blocks the runtime.

use std::sync::Arc;

use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::codec::{OpusDecoder, rms};
use super::session::Shared;
use super::stats::StatsCounters;

/// Up to this many lost packets in a row are concealed; a longer gap (the sender muted, or a
/// network outage) is left as silence rather than 100 ms of synthesised mush.
const MAX_CONCEALED: u16 = 3;

/// Frames averaged into the reported level: 5 x 20 ms.
const LEVEL_WINDOW: usize = 5;

pub(crate) async fn play_remote_audio(track: Arc<dyn TrackRemote>, shared: Arc<Shared>) {
    let mut decoder = match OpusDecoder::new() {
        Ok(decoder) => decoder,
        Err(error) => {
            tracing::error!(%error, "cannot decode the technician's audio");
            return;
        }
    };
    let mut level = LevelMeter::default();
    let mut last_sequence: Option<u16> = None;

    while let Some(event) = track.poll().await {
        let packet = match event {
            TrackRemoteEvent::OnRtpPacket(packet) => packet,
            TrackRemoteEvent::OnEnded => break,
            _ => continue,
        };
        let sequence = packet.header.sequence_number;
        if let Some(last) = last_sequence {
            let step = sequence.wrapping_sub(last);
            // 0: duplicate; above half the space: older than what was already played.
            if step == 0 || step > u16::MAX / 2 {
                continue;
            }
            for _ in 1..step.min(MAX_CONCEALED + 1) {
                if let Ok(pcm) = decoder.conceal() {
                    shared.sink.push(pcm);
                }
            }
        }
        last_sequence = Some(sequence);
        if packet.payload.is_empty() {
            continue;
        }
        match decoder.decode(&packet.payload) {
            Ok(pcm) => {
                StatsCounters::bump(&shared.stats.remote_audio_frames_decoded);
                shared.stats.set_remote_audio_level(level.push(pcm));
                shared.sink.push(pcm);
            }
            Err(error) => tracing::debug!(%error, "undecodable Opus packet"),
        }
    }
}

/// RMS over the last [`LEVEL_WINDOW`] frames.
#[derive(Debug, Default)]
struct LevelMeter {
    mean_squares: [f32; LEVEL_WINDOW],
    next: usize,
}

impl LevelMeter {
    fn push(&mut self, pcm: &[i16]) -> f32 {
        let frame = rms(pcm);
        self.mean_squares[self.next] = frame * frame;
        self.next = (self.next + 1) % LEVEL_WINDOW;
        (self.mean_squares.iter().sum::<f32>() / LEVEL_WINDOW as f32).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
