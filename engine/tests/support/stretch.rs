//! One stretch of a call through the link shaper, watched as a technician would: how much of
//! the voice arrived, how many pictures decoded, the longest freeze, and (for a failed bound)
//! what the technician got and what the engine reported every half second.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use lens_engine::media::{MediaSession, MediaStats, PeerEvent};
use tokio::sync::mpsc;

use super::technician::{Received, ReceivedFrame};

/// The engine's own figures for the link and the voice, on one line of the test's output.
pub fn line(stats: &MediaStats) -> String {
    let l = stats.link;
    format!(
        "{}x{}@{} target {} kbit/s, estimate {} kbit/s, sent {} kbit/s, rtt {:?} ms, loss {}‰, \
         quality {}, voice complexity {}",
        l.width,
        l.height,
        l.fps,
        l.target_kbps,
        l.estimate_kbps,
        l.sent_kbps,
        l.rtt_ms,
        l.loss_permille,
        l.quality,
        stats.voice_complexity
    )
}

/// What the customer's voice and picture went through over one stretch of a call.
pub struct Stretch {
    /// Audio packets that arrived, of those sent.
    pub audio_arrived: f64,
    pub longest_audio_gap: u16,
    pub frames_decoded: usize,
    /// The longest time without a newly decoded picture.
    pub longest_freeze: Duration,
    /// Every half second: what the technician got and what the engine reported, so that a
    /// failed bound shows where the picture stopped and what the sender was doing then.
    pub timeline: String,
}

/// Watches the call for `length` under the shaper's current conditions. Panics if the peer
/// connection fails or closes meanwhile: the call must survive.
pub async fn stretch(
    session: &MediaSession,
    received: &Received,
    events: &mut mpsc::UnboundedReceiver<PeerEvent>,
    length: Duration,
) -> Stretch {
    received.audio_sequences.lock().unwrap().clear();
    let from = Instant::now();
    let frames_before = received.frames.lock().unwrap().len();
    let deadline = tokio::time::Instant::now() + length;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut timeline = String::new();
    loop {
        tokio::select! {
            event = tokio::time::timeout_at(deadline, events.recv()) => {
                let Ok(event) = event else { break };
                let event = event.expect("events");
                assert!(
                    !matches!(event, PeerEvent::Failed | PeerEvent::Closed),
                    "the call broke: {event:?}"
                );
            }
            _ = tick.tick() => timeline.push_str(&sample(session, received, from, frames_before)),
        }
    }
    let sequences = received.audio_sequences.lock().unwrap().clone();
    assert!(!sequences.is_empty(), "no audio at all for {length:?}");
    let mut sorted: Vec<u32> = Vec::with_capacity(sequences.len());
    // Sequence numbers unwrapped from the first (jitter reorders them), kept clear of zero.
    let mut last = u32::from(sequences[0]) + 0x10000;
    for &seq in &sequences {
        let step = seq.wrapping_sub(last as u16);
        last = if step < 0x8000 {
            last + u32::from(step)
        } else {
            last - u32::from(step.wrapping_neg())
        };
        sorted.push(last);
    }
    sorted.sort_unstable();
    sorted.dedup();
    let span = (sorted.last().unwrap() - sorted[0] + 1) as f64;
    let longest_audio_gap = sorted
        .windows(2)
        .map(|w| (w[1] - w[0] - 1) as u16)
        .max()
        .unwrap_or(0);
    let decoded: Vec<Instant> = received.frames.lock().unwrap()[frames_before..]
        .iter()
        .filter(|f| f.decoded())
        .map(|f| f.at)
        .collect();
    let end = from + length;
    let longest_freeze = std::iter::once(from)
        .chain(decoded.iter().copied())
        .chain(std::iter::once(end))
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w[1].saturating_duration_since(w[0]))
        .max()
        .unwrap_or(length);
    Stretch {
        audio_arrived: sorted.len() as f64 / span,
        longest_audio_gap,
        frames_decoded: decoded.len(),
        longest_freeze,
        timeline,
    }
}

/// The access units in `frames` as runs of alike ones (keyframe or not, intact or not, what
/// the decoder made of them), each with its first one's arrival, in seconds after `from`.
pub fn unit_runs(frames: &[ReceivedFrame], from: Instant) -> String {
    let mut out = String::new();
    let kind = |f: &ReceivedFrame| (f.keyframe, f.intact, f.outcome);
    for run in frames.chunk_by(|a, b| kind(a) == kind(b)) {
        let (keyframe, intact, outcome) = kind(&run[0]);
        out.push_str(&format!(
            "{:6.2} s: {:3} × {}{}, {outcome:?}\n",
            run[0].at.saturating_duration_since(from).as_secs_f64(),
            run.len(),
            if keyframe { "keyframe" } else { "P frame" },
            if intact { "" } else { " with a hole" },
        ));
    }
    out
}

/// One line of a stretch's timeline: seconds in; the video packets, access units, keyframes
/// among them and decoded pictures the technician got so far; the PLIs it sent; the engine's
/// stats.
fn sample(
    session: &MediaSession,
    received: &Received,
    from: Instant,
    frames_before: usize,
) -> String {
    let frames = received.frames.lock().unwrap();
    let stretch = &frames[frames_before..];
    format!(
        "{:5.1} s: {} video packets, {} units ({} keyframes), {} decoded, {} PLIs; {}\n",
        from.elapsed().as_secs_f64(),
        received.video_packets.load(Ordering::SeqCst),
        stretch.len(),
        stretch.iter().filter(|f| f.keyframe).count(),
        stretch.iter().filter(|f| f.decoded()).count(),
        received.plis_sent.load(Ordering::SeqCst),
        line(&session.stats())
    )
}
