//! The async end of each send path: hands encoded frames to the track, which packetizes them
//! (FU-A/STAP-A for H.264) and sends them through the interceptors.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use rtc::media::Sample;
use rtc::rtp::extension::HeaderExtension;
use rtc::rtp::extension::video_orientation_extension::{VideoOrientationExtension, VideoRotation};
use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;

use super::frame::EncodedFrame;
use crate::media::source::Rotation;
use crate::media::stats::StatsCounters;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Medium {
    Video,
    Audio,
}

/// What a technician's answer settled on: the payload types (a receiver may renumber the
/// offered ones), and whether it takes the video-orientation extension (CVO), so that a
/// picture lying on its side can go as it is with the turn it needs said beside it.
#[derive(Debug)]
pub(crate) struct Negotiated {
    video: AtomicU8,
    audio: AtomicU8,
    video_orientation: AtomicBool,
}

impl Negotiated {
    pub(crate) fn new(video: u8, audio: u8) -> Self {
        Self {
            video: AtomicU8::new(video),
            audio: AtomicU8::new(audio),
            video_orientation: AtomicBool::new(false),
        }
    }

    pub(crate) fn slot(&self, medium: Medium) -> &AtomicU8 {
        match medium {
            Medium::Video => &self.video,
            Medium::Audio => &self.audio,
        }
    }

    pub(crate) fn set_video_orientation(&self, takes_it: bool) {
        self.video_orientation.store(takes_it, Ordering::Relaxed);
    }

    pub(crate) fn video_orientation(&self) -> bool {
        self.video_orientation.load(Ordering::Relaxed)
    }
}

/// One technician's track of one medium: where the writer sends each encoded frame.
#[derive(Clone)]
pub(crate) struct Outlet {
    /// The collaborator's peer id; `None` for the lead.
    pub(crate) peer: Option<String>,
    pub(crate) track: Arc<TrackLocalStaticSample>,
    pub(crate) ssrc: u32,
    pub(crate) negotiated: Arc<Negotiated>,
    /// Set while this track must start (again) at a keyframe: a collaborator joining a
    /// stream already running, whose decoder can do nothing with the frames before one.
    pub(crate) awaiting_keyframe: Arc<AtomicBool>,
}

/// Every technician's track of one medium. The same encoded frame goes to each (seed 004:
/// encode once, one peer connection per technician); collaborators come and go while the
/// writer runs. The list is shared copy-on-write: the writer takes it with a reference count
/// for each frame, and only a technician joining or leaving copies it.
#[derive(Clone, Default)]
pub(crate) struct Outlets(Arc<Mutex<Arc<Vec<Outlet>>>>);

impl Outlets {
    pub(crate) fn add(&self, outlet: Outlet) {
        Arc::make_mut(&mut self.list()).push(outlet);
    }

    /// Removes the collaborator's track; the lead's stays.
    pub(crate) fn remove(&self, peer: &str) {
        Arc::make_mut(&mut self.list()).retain(|outlet| outlet.peer.as_deref() != Some(peer));
    }

    fn list(&self) -> std::sync::MutexGuard<'_, Arc<Vec<Outlet>>> {
        // A plain list: nothing is left half-updated by a panic.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn snapshot(&self) -> Arc<Vec<Outlet>> {
        Arc::clone(&self.list())
    }

    /// Whether every technician can be told a picture's turn (see [`Negotiated`]): then the
    /// video thread sends pictures as they lie.
    pub(crate) fn all_take_video_orientation(&self) -> bool {
        self.snapshot()
            .iter()
            .all(|outlet| outlet.negotiated.video_orientation())
    }
}

pub(crate) async fn write_frames(
    outlets: Outlets,
    medium: Medium,
    stats: Arc<StatsCounters>,
    mut frames: mpsc::Receiver<EncodedFrame>,
) {
    let mut failures = 0u64;
    let mut last_rotation = Rotation::R0;
    while let Some(frame) = frames.recv().await {
        // The turn is said with every picture that needs one, with the first that needs none
        // after those, and with keyframes (where a technician joining starts). 3GPP TS 26.114
        // has senders say it on keyframes and changes and receivers keep the last one told;
        // libwebrtc's receivers read a picture without it as upright; this suits both. Not
        // on every packet: the extension costs webrtc-rs an allocation per packet.
        let tell_rotation = frame.rotation != Rotation::R0
            || frame.rotation != last_rotation
            || (medium == Medium::Video && frame.keyframe);
        last_rotation = frame.rotation;
        let orientation = [HeaderExtension::VideoOrientation(video_orientation(
            frame.rotation,
        ))];
        let sample = Sample {
            data: frame.data,
            duration: frame.duration,
            prev_dropped_packets: frame.prev_dropped,
            ..Sample::new(frame.captured_at)
        };
        // A snapshot, so that a collaborator joining never waits for a frame to be written.
        let mut written = false;
        for outlet in outlets.snapshot().iter() {
            let takes_orientation = outlet.negotiated.video_orientation();
            let (rotation, keyframe) = (frame.rotation, frame.keyframe);
            if !admits(
                &outlet.awaiting_keyframe,
                medium,
                rotation,
                keyframe,
                takes_orientation,
            ) {
                continue;
            }
            let payload_type = outlet.negotiated.slot(medium).load(Ordering::Relaxed);
            let extensions: &[HeaderExtension] = match tell_rotation && takes_orientation {
                true => &orientation,
                false => &[],
            };
            match outlet
                .track
                .write_sample(outlet.ssrc, payload_type, &sample, extensions)
                .await
            {
                // The lead's counts are the session's: a collaborator's write adds nothing.
                Ok(()) => written |= outlet.peer.is_none(),
                Err(error) => {
                    // Happens around connection state changes; logging every one at 30 fps
                    // would flood the log.
                    failures += 1;
                    if failures.is_power_of_two() {
                        tracing::debug!(?medium, %error, failures, "could not send a frame");
                    }
                }
            }
        }
        if written {
            match medium {
                Medium::Video => {
                    StatsCounters::bump(&stats.video_frames_sent);
                    if frame.keyframe {
                        StatsCounters::bump(&stats.video_keyframes_sent);
                    }
                }
                Medium::Audio => StatsCounters::bump(&stats.audio_frames_sent),
            }
        }
    }
}

/// Whether a frame goes to a technician's track. Not a picture on its side to a technician who cannot be
/// told so (one who joined after the video thread chose to send pictures as they lie: from
/// its next picture on the thread turns them, at a new size and so from a keyframe), and no
/// video to a technician waiting for a keyframe until one comes.
fn admits(
    awaiting_keyframe: &AtomicBool,
    medium: Medium,
    rotation: Rotation,
    keyframe: bool,
    takes_orientation: bool,
) -> bool {
    if rotation != Rotation::R0 && !takes_orientation {
        awaiting_keyframe.store(true, Ordering::Release);
        return false;
    }
    if medium == Medium::Video && awaiting_keyframe.load(Ordering::Acquire) {
        if !keyframe {
            return false;
        }
        awaiting_keyframe.store(false, Ordering::Release);
    }
    true
}

/// The video-orientation extension that tells a receiver to make `rotation` when it shows the
/// picture. CVO's rotation is the clockwise turn the receiver applies, as ours is. The camera
/// bit stays 0, which 3GPP TS 26.114 defines as "front, or unknown": the engine does not know
/// which camera a shell uses, and receivers do not act on it.
fn video_orientation(rotation: Rotation) -> VideoOrientationExtension {
    VideoOrientationExtension {
        rotation: match rotation {
            Rotation::R0 => VideoRotation::Degree0,
            Rotation::R90 => VideoRotation::Degree90,
            Rotation::R180 => VideoRotation::Degree180,
            Rotation::R270 => VideoRotation::Degree270,
        },
        ..VideoOrientationExtension::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_on_its_side_never_reaches_a_technician_who_cannot_be_told() {
        // Eve joined without CVO while the phone sends pictures as they lie; the video
        // thread has not seen her yet.
        let eve_waits = AtomicBool::new(false);
        let sideways_keyframe = admits(&eve_waits, Medium::Video, Rotation::R90, true, false);
        assert!(!sideways_keyframe, "a sideways keyframe is held back");
        assert!(
            eve_waits.load(Ordering::Acquire),
            "and Eve waits for a keyframe"
        );
        // The thread now turns the pictures: new size, so its first picture is a keyframe.
        assert!(
            !admits(&eve_waits, Medium::Video, Rotation::R0, false, false),
            "no upright picture before the keyframe (her decoder has nothing to refer to)"
        );
        assert!(admits(&eve_waits, Medium::Video, Rotation::R0, true, false));
        assert!(!eve_waits.load(Ordering::Acquire));
        assert!(admits(
            &eve_waits,
            Medium::Video,
            Rotation::R0,
            false,
            false
        ));
        // The lead took CVO: the same sideways picture goes to them, with its turn said.
        let lead_waits = AtomicBool::new(false);
        assert!(admits(
            &lead_waits,
            Medium::Video,
            Rotation::R90,
            false,
            true
        ));
        // Sound never waits for a keyframe.
        eve_waits.store(true, Ordering::Release);
        assert!(admits(
            &eve_waits,
            Medium::Audio,
            Rotation::R0,
            false,
            false
        ));
    }

    #[test]
    fn the_extension_says_the_same_turn() {
        assert_eq!(
            video_orientation(Rotation::R90).rotation,
            VideoRotation::Degree90
        );
        assert_eq!(
            video_orientation(Rotation::R270).rotation,
            VideoRotation::Degree270
        );
        assert_eq!(
            video_orientation(Rotation::R0),
            VideoOrientationExtension::default()
        );
    }
}
