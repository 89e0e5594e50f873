//! The send side for H.264 the shell encoded itself: no encoder thread, but the same rules as
//! the video thread (`KeyframeGate`, `VideoQueue`): nothing before the connection is up or
//! while paused, start at a keyframe, never send a P frame after a gap; except that keyframes
//! and bitrates are asked of the shell ([`ShellRequest`]) instead of forced on openh264.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::frame::{EncodedFrame, Queued, VideoQueue};
use super::keyframe::{KeyframeGate, KeyframeRequests};
use super::writer::Outlets;
use super::{SOURCE_POLL, VIDEO_QUEUE};
use crate::media::pushed::{MediaHandles, PushedH264Source, ShellRequest};
use crate::media::run_state::RunState;
use crate::media::stats::StatsCounters;

/// The shells' encoders run at the rate the config names; RTP timestamps follow the capture
/// times, this only seeds the clock.
const NOMINAL_INTERVAL: Duration = Duration::from_millis(33);

/// What the passthrough thread reads and reports through.
pub(crate) struct PassthroughLinks {
    pub(crate) run: Arc<RunState>,
    pub(crate) stats: Arc<StatsCounters>,
    pub(crate) keyframe_requests: Arc<KeyframeRequests>,
    /// The pause switch and the requests to the shell's encoder.
    pub(crate) shell: MediaHandles,
    /// Every technician's video track, asked whether all turn pictures for display.
    pub(crate) outlets: Outlets,
}

pub(crate) fn spawn(
    source: PushedH264Source,
    target_bps: u32,
    links: PassthroughLinks,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(VIDEO_QUEUE);
    let PassthroughLinks {
        run,
        stats,
        keyframe_requests,
        shell,
        outlets,
    } = links;
    let requests = shell.requests.clone();
    requests.send(ShellRequest::TargetBitrate { bps: target_bps });
    let handle = std::thread::Builder::new()
        .name("lens-video-passthrough".into())
        .spawn(move || {
            let mut gate = KeyframeGate::new(keyframe_requests);
            let mut queue = VideoQueue::new(tx, NOMINAL_INTERVAL, stats);
            while !run.stopping() {
                // Checked at least every SOURCE_POLL: the shell asks before each picture.
                source.set_receivers_turn(outlets.all_take_video_orientation());
                let live = gate.live(run.connected() && !shell.video_paused());
                let now = Instant::now();
                if live && gate.due(now) {
                    requests.send(ShellRequest::KeyframeNeeded);
                }

                let Some((unit, gap)) = source.next(SOURCE_POLL) else {
                    continue;
                };
                if !live {
                    continue;
                }
                if gap {
                    gate.restart();
                }
                if !gate.admit(unit.keyframe, now) {
                    continue;
                }
                let sent = queue.send(
                    unit.data,
                    unit.captured_at,
                    unit.keyframe,
                    unit.rotation,
                    &mut gate,
                );
                if sent == Queued::Closed {
                    break;
                }
            }
        })?;
    Ok((handle, rx))
}
