//! One encoded frame on its way from a send thread to the peer connection, and the one step
//! every video sender ends with: stamp it, queue it, and on a full queue drop it and start
//! over from a keyframe.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc::{self, error::TrySendError};

use super::keyframe::KeyframeGate;
use super::rtp_clock::RtpClock;
use crate::media::source::Rotation;
use crate::media::stats::StatsCounters;

/// H.264's RTP clock rate.
const VIDEO_CLOCK_RATE: u32 = 90_000;

/// One encoded frame on its way to the peer connection.
#[derive(Debug)]
pub(crate) struct EncodedFrame {
    pub(crate) data: Bytes,
    pub(crate) captured_at: Instant,
    /// Advances the RTP timestamp after this frame (see `rtp_clock`).
    pub(crate) duration: Duration,
    pub(crate) keyframe: bool,
    /// Frames dropped just before this one; audio reports them as lost packets so the receiver
    /// conceals the gap instead of playing the next frame early.
    pub(crate) prev_dropped: u16,
    /// The turn the receiver must make to show the picture upright (`R0` for sound, and for a
    /// picture the video thread already turned).
    pub(crate) rotation: Rotation,
}

/// The video thread's end of the queue to the writer task.
pub(crate) struct VideoQueue {
    tx: mpsc::Sender<EncodedFrame>,
    clock: RtpClock,
    stats: Arc<StatsCounters>,
}

/// What became of a frame handed to [`VideoQueue::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queued {
    Sent,
    /// The network side is behind; the frame was dropped and the gate awaits a keyframe.
    Dropped,
    /// The writer task ended: the session is closing.
    Closed,
}

impl VideoQueue {
    /// `interval` is the source's nominal frame interval; timestamps follow capture times.
    pub(crate) fn new(
        tx: mpsc::Sender<EncodedFrame>,
        interval: Duration,
        stats: Arc<StatsCounters>,
    ) -> Self {
        Self {
            tx,
            clock: RtpClock::new(VIDEO_CLOCK_RATE, interval),
            stats,
        }
    }

    /// Queues one access unit without waiting: a full queue drops it rather than let latency
    /// grow, and a dropped frame breaks the receiver's reference chain, so the gate then
    /// waits for a keyframe.
    pub(crate) fn send(
        &mut self,
        data: Bytes,
        captured_at: Instant,
        keyframe: bool,
        rotation: Rotation,
        gate: &mut KeyframeGate,
    ) -> Queued {
        let (duration, commit) = self.clock.duration_for(captured_at);
        let frame = EncodedFrame {
            data,
            captured_at,
            duration,
            keyframe,
            prev_dropped: 0,
            rotation,
        };
        match self.tx.try_send(frame) {
            Ok(()) => {
                self.clock.commit(commit);
                Queued::Sent
            }
            Err(TrySendError::Full(_)) => {
                StatsCounters::bump(&self.stats.video_frames_dropped);
                gate.restart();
                Queued::Dropped
            }
            Err(TrySendError::Closed(_)) => Queued::Closed,
        }
    }
}
