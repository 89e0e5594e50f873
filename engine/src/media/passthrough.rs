//! The send side for H.264 the shell encoded itself: no encoder thread, but the same rules as
//! `pipeline`'s video thread — nothing before the connection is up or while paused, start at a
//! keyframe, never send a P frame after a gap — except that keyframes and bitrates are asked
//! of the shell ([`ShellRequest`]) instead of forced on openh264.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, error::TrySendError};

use super::keyframe::{KeyframePacer, MIN_KEYFRAME_INTERVAL};
use super::pipeline::EncodedFrame;
use super::pushed::{PushedH264Source, ShellRequest};
use super::rtp_clock::RtpClock;
use super::session::Shared;
use super::stats::StatsCounters;

const SOURCE_POLL: Duration = Duration::from_millis(50);
const QUEUE: usize = 3;
const VIDEO_CLOCK_RATE: u32 = 90_000;
/// The shells' encoders run at the rate the config names; RTP timestamps follow the capture
/// times, this only seeds the clock.
const NOMINAL_INTERVAL: Duration = Duration::from_millis(33);

pub(crate) fn spawn(
    source: PushedH264Source,
    target_bps: u32,
    shared: Arc<Shared>,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(QUEUE);
    let requests = shared.handles.requests.clone();
    requests.send(ShellRequest::TargetBitrate { bps: target_bps });
    let handle = std::thread::Builder::new()
        .name("lens-video-passthrough".into())
        .spawn(move || {
            let mut pacer = KeyframePacer::new(MIN_KEYFRAME_INTERVAL);
            let mut clock = RtpClock::new(VIDEO_CLOCK_RATE, NOMINAL_INTERVAL);
            let mut was_live = false;
            let mut awaiting_keyframe = true;
            while !shared.stop.load(Ordering::Acquire) {
                let live =
                    shared.connected.load(Ordering::Acquire) && !shared.handles.video_paused();
                if live && !was_live {
                    // Connected, reconnected or resumed: the receiver needs a starting point.
                    awaiting_keyframe = true;
                    pacer.request();
                }
                was_live = live;
                if shared.keyframe_requests.take() {
                    pacer.request();
                }
                let now = Instant::now();
                if live && pacer.poll(now) {
                    requests.send(ShellRequest::KeyframeNeeded);
                }

                let Some((unit, gap)) = source.next(SOURCE_POLL) else {
                    continue;
                };
                if !live {
                    continue;
                }
                if gap {
                    awaiting_keyframe = true;
                    pacer.request();
                }
                if unit.keyframe {
                    awaiting_keyframe = false;
                    pacer.keyframe_sent(now);
                } else if awaiting_keyframe {
                    // Undecodable without its reference; ask again if the last request got lost
                    // (the pacer spaces the requests).
                    pacer.request();
                    continue;
                }
                let (duration, commit) = clock.duration_for(unit.captured_at);
                match tx.try_send(EncodedFrame::video(
                    unit.data,
                    unit.captured_at,
                    duration,
                    unit.keyframe,
                )) {
                    Ok(()) => clock.commit(commit),
                    Err(TrySendError::Full(_)) => {
                        StatsCounters::bump(&shared.stats.video_frames_dropped);
                        awaiting_keyframe = true;
                        pacer.request();
                    }
                    Err(TrySendError::Closed(_)) => break,
                }
            }
        })?;
    Ok((handle, rx))
}
