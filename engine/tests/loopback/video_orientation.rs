//! A phone held upright: its camera sensor is mounted landscape, so every picture it pushes
//! lies on its side ("turn 90° clockwise to be upright"). A technician whose browser takes the
//! RTP video-orientation extension (CVO; Chromium does) gets the pictures as they lie with the
//! turn said beside them, and turns them for display; one that does not gets them turned by
//! the phone. Turning the phone to landscape then changes only what the extension says: no new
//! encoder, no keyframe. A collaborator who cannot be told joins: from then on every
//! technician gets turned pictures, and once they leave the pictures go as they lie again.
//!
//! The technicians are in-process webrtc-rs peers that decode what they receive
//! (`support/technician.rs`). Loopback only: run inside the test namespace like every WebRTC
//! test here (`tests/netns.sh cargo test --release -p lens-engine --test loopback
//! video_orientation`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::support::collaborator::collaborator_joins;
use crate::support::customer::on_loopback;
use crate::support::technician::{
    Received, ReceivedFrame, Technician, technician_answering,
    technician_answering_with_orientation,
};
use crate::support::wait::{connected, wait_until};
use lens_engine::media::pushed::{PixelFormat, PushedVideo, Rotation, VideoFrameLayout};
use lens_engine::media::{MediaConfig, MediaSession, VideoSourceConfig};

/// The sensor's picture, as it lies.
const W: u32 = 320;
const H: u32 = 240;
const DEADLINE: Duration = Duration::from_secs(20);
/// The marker, white on black, in the corner of the sensor's picture that is its top left.
const MARKER: usize = 48;
const BRIGHT: u8 = 200;
const DARK: u8 = 60;

fn media_config() -> MediaConfig {
    on_loopback(VideoSourceConfig::Pushed {
        width: W,
        height: H,
        fps: 30,
    })
}

/// The shell's camera thread: 30 pictures a second, each with the turn `held` says (R90: the
/// phone held upright, its pictures on their side), until `stop`.
fn camera(
    video: PushedVideo,
    held: Arc<Mutex<Rotation>>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (w, h) = (W as usize, H as usize);
        let mut y = vec![16u8; w * h];
        for row in y.chunks_exact_mut(w).take(MARKER) {
            row[..MARKER].fill(235);
        }
        let chroma = vec![128u8; w * h / 4];
        let start = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let layout = VideoFrameLayout {
                width: W,
                height: H,
                format: PixelFormat::I420,
                strides: [W, W / 2, W / 2],
                rotation: *held.lock().unwrap(),
                timestamp_us: start.elapsed().as_micros() as u64,
                full_range: false,
            };
            video.push(&layout, [&y, &chroma, &chroma]).expect("push");
            std::thread::sleep(Duration::from_millis(33));
        }
    })
}

/// Pictures decoded since `from` (an index into the technician's frames).
fn decoded_since(received: &Received, from: usize) -> Vec<ReceivedFrame> {
    let frames = received.frames();
    frames
        .get(from..)
        .unwrap_or_default()
        .iter()
        .filter(|frame| frame.picture.is_some())
        .cloned()
        .collect()
}

/// The first of `pictures` that `check` refuses, and how many there were.
fn first_refused(
    pictures: &[ReceivedFrame],
    check: fn(&ReceivedFrame) -> bool,
) -> Option<(usize, ReceivedFrame)> {
    let refused: Vec<_> = pictures.iter().filter(|frame| !check(frame)).collect();
    refused
        .first()
        .map(|frame| (refused.len(), (*frame).clone()))
}

/// Which corners of a decoded picture are the marker's.
fn bright_corners(frame: &ReceivedFrame) -> [bool; 4] {
    let (_, corners) = frame.picture.expect("decoded");
    for value in corners {
        assert!(
            value >= BRIGHT || value <= DARK,
            "a corner is marker or background, not {value}: {corners:?}"
        );
    }
    corners.map(|value| value >= BRIGHT)
}

/// As it lies: the sensor's size, the marker where the sensor put it (top left), and on the
/// last packet the extension saying "turn 90° clockwise" (CVO's rotation bits 01).
fn as_it_lies(frame: &ReceivedFrame) -> bool {
    frame.picture.map(|(size, _)| size) == Some((W, H))
        && bright_corners(frame) == [true, false, false, false]
        && frame.orientation.map(|cvo| cvo & 0b11) == Some(1)
}

/// Turned upright by the phone: the size swapped, the marker top right (where the top-left
/// corner goes when turned clockwise), and no turn said (none left to make).
fn turned(frame: &ReceivedFrame) -> bool {
    frame.picture.map(|(size, _)| size) == Some((H, W))
        && bright_corners(frame) == [false, true, false, false]
        && frame.orientation.is_none_or(|cvo| cvo & 0b11 == 0)
}

/// The phone turned to landscape: the sensor's picture is upright as it lies, the marker top
/// left, and no turn is said (or a turn of 0).
fn landscape(frame: &ReceivedFrame) -> bool {
    frame.picture.map(|(size, _)| size) == Some((W, H))
        && bright_corners(frame) == [true, false, false, false]
        && frame.orientation.is_none_or(|cvo| cvo & 0b11 == 0)
}

struct Call {
    session: MediaSession,
    lead: Technician,
    lead_received: Arc<Received>,
    /// How the customer holds the phone.
    held: Arc<Mutex<Rotation>>,
    stop: Arc<AtomicBool>,
    camera: std::thread::JoinHandle<()>,
}

/// The customer joins with a camera held upright; the lead technician answers, taking the
/// extension or not.
async fn call(lead_takes_orientation: bool) -> Call {
    let config = media_config();
    let video = config.handles.video.clone();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, false, events_tx)
        .await
        .expect("start");
    assert!(
        offer.contains("urn:3gpp:video-orientation"),
        "the offer proposes the extension:\n{offer}"
    );
    let lead_received = Arc::new(Received::default());
    let lead = match lead_takes_orientation {
        true => technician_answering_with_orientation(&offer, Arc::clone(&lead_received)).await,
        false => technician_answering(&offer, Arc::clone(&lead_received)).await,
    };
    session.apply_answer(lead.answer.clone()).await.unwrap();
    connected(&mut events, DEADLINE).await;
    let stop = Arc::new(AtomicBool::new(false));
    let held = Arc::new(Mutex::new(Rotation::R90));
    let camera = camera(video, Arc::clone(&held), Arc::clone(&stop));
    Call {
        session,
        lead,
        lead_received,
        held,
        stop,
        camera,
    }
}

impl Call {
    async fn end(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.camera.join().unwrap();
        self.lead.close().await;
        self.session.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_who_cannot_be_told_the_turn_gets_pictures_turned_by_the_phone() {
    let call = call(false).await;
    wait_until(DEADLINE, "the lead decodes 20 pictures", || {
        decoded_since(&call.lead_received, 0).len() >= 20
    })
    .await;
    let pictures = decoded_since(&call.lead_received, 0);
    assert_eq!(
        first_refused(&pictures, turned),
        None,
        "every picture turned upright"
    );
    call.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_go_as_they_lie_until_a_collaborator_who_cannot_be_told_joins() {
    let mut call = call(true).await;
    wait_until(DEADLINE, "the lead decodes 20 pictures", || {
        decoded_since(&call.lead_received, 0).len() >= 20
    })
    .await;
    let pictures = decoded_since(&call.lead_received, 0);
    assert_eq!(
        first_refused(&pictures, as_it_lies),
        None,
        "every picture as it lies, with its turn"
    );

    // The customer turns the phone to landscape: the pictures come upright from the sensor,
    // the first one says so, and the encoder goes on without a keyframe (the picture does not
    // stall while a new encoder starts).
    *call.held.lock().unwrap() = Rotation::R0;
    let lead_from = call.lead_received.frames().len();
    wait_until(
        DEADLINE,
        "the lead decodes 10 pictures of the phone turned",
        || {
            decoded_since(&call.lead_received, lead_from)
                .iter()
                .filter(|frame| landscape(frame))
                .count()
                >= 10
        },
    )
    .await;
    let since = decoded_since(&call.lead_received, lead_from);
    let first_landscape = since.iter().position(landscape).unwrap();
    assert_eq!(
        since[first_landscape].orientation.map(|cvo| cvo & 0b11),
        Some(0),
        "the first upright picture says so"
    );
    assert_eq!(
        first_refused(&since[first_landscape..], landscape),
        None,
        "upright from then on"
    );
    assert!(
        since.iter().all(|frame| !frame.keyframe),
        "no keyframe for turning the phone"
    );
    *call.held.lock().unwrap() = Rotation::R90;

    // Eve's receiver does not take the extension: she must never see a picture on its side,
    // so from her joining on the phone turns every picture, for the lead too.
    let eve_received = Arc::new(Received::default());
    let eve_got = Arc::clone(&eve_received);
    let config = media_config();
    let (_, eve) = collaborator_joins(
        &mut call.session,
        "c1",
        false,
        &config,
        |offer| async move { technician_answering(&offer, eve_got).await },
    )
    .await;
    wait_until(DEADLINE, "Eve decodes 20 pictures", || {
        decoded_since(&eve_received, 0).len() >= 20
    })
    .await;
    let eves = decoded_since(&eve_received, 0);
    assert_eq!(first_refused(&eves, turned), None, "Eve sees them upright");
    let lead_from = call.lead_received.frames().len();
    wait_until(DEADLINE, "the lead decodes 10 more pictures", || {
        decoded_since(&call.lead_received, lead_from).len() >= 10
    })
    .await;
    let leads = decoded_since(&call.lead_received, lead_from);
    assert_eq!(
        first_refused(&leads, turned),
        None,
        "the lead gets the same turned pictures meanwhile"
    );

    // Eve leaves: the pictures go as they lie again.
    call.session.remove_collaborator("c1").await;
    eve.close().await;
    let lead_from = call.lead_received.frames().len();
    wait_until(
        DEADLINE,
        "the lead decodes pictures as they lie again",
        || {
            decoded_since(&call.lead_received, lead_from)
                .iter()
                .filter(|frame| as_it_lies(frame))
                .count()
                >= 10
        },
    )
    .await;
    call.end().await;
}
