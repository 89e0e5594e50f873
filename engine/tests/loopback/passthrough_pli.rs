//! Passthrough, as a phone with a hardware encoder uses it: the shell pushes H.264 access
//! units (openh264 stands in for MediaCodec/VideoToolbox here) and makes a keyframe only when
//! the engine asks. When the technician's decoder loses the picture its browser sends a PLI;
//! the engine must turn that into a keyframe request to the shell, rate-limited, and the
//! keyframe the shell then pushes must reach the technician.
//!
//! The technician is an in-process webrtc-rs peer configured like a browser
//! (`support/technician.rs`). Runs inside `tests/netns.sh` like every WebRTC test.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::customer::on_loopback;
use crate::support::technician::{Received, technician_answering};
use crate::support::wait::{connected, wait_until};
use lens_engine::media::codec::{H264Encoder, H264Settings};
use lens_engine::media::pushed::Rotation;
use lens_engine::media::source::TestPattern;
use lens_engine::media::{MediaConfig, MediaSession, ShellRequest, VideoSourceConfig};
use tokio::sync::mpsc;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
/// Generous: these bound a hang, not this machine's speed.
const DEADLINE: Duration = Duration::from_secs(15);

/// The phone's camera and hardware encoder: 30 pictures a second, encoded and pushed; a
/// keyframe only when `keyframe_wanted` was set by a request.
fn shell_camera(
    config: &MediaConfig,
    keyframe_wanted: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let h264 = config.handles.h264.clone();
    std::thread::spawn(move || {
        let mut pattern = TestPattern::new(WIDTH, HEIGHT, 30);
        let mut encoder = H264Encoder::new(H264Settings {
            width: WIDTH,
            height: HEIGHT,
            fps: 30,
            bitrate_bps: 500_000,
        })
        .expect("encoder");
        let start = Instant::now();
        let mut n = 0u64;
        while !stop.load(Ordering::Acquire) {
            if keyframe_wanted.swap(false, Ordering::AcqRel) {
                encoder.force_keyframe();
            }
            let picture = pattern.render(n);
            if let Ok(Some(unit)) = encoder.encode(&picture.frame(Instant::now())) {
                let timestamp_us = start.elapsed().as_micros() as u64;
                h264.push(&unit.data, unit.keyframe, timestamp_us, Rotation::R0)
                    .expect("a valid access unit");
            }
            n += 1;
            let due = start + Duration::from_micros(n * 33_333);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    })
}

fn keyframe_requests(log: &Mutex<Vec<ShellRequest>>) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|r| **r == ShellRequest::KeyframeNeeded)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pli_from_the_technician_asks_the_shell_for_a_keyframe_that_reaches_the_technician() {
    let config = on_loopback(VideoSourceConfig::PushedH264 {
        width: WIDTH,
        height: HEIGHT,
        fps: 30,
    });
    // The shell's CameraController: every request is logged; a keyframe request makes the
    // encoder's next picture an IDR.
    let mut requests = config.handles.requests.subscribe();
    let log = Arc::new(Mutex::new(Vec::new()));
    let keyframe_wanted = Arc::new(AtomicBool::new(false));
    {
        let (log, keyframe_wanted) = (Arc::clone(&log), Arc::clone(&keyframe_wanted));
        tokio::spawn(async move {
            while let Some(request) = requests.recv().await {
                if request == ShellRequest::KeyframeNeeded {
                    keyframe_wanted.store(true, Ordering::Release);
                }
                log.lock().unwrap().push(request);
            }
        });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let camera = shell_camera(&config, Arc::clone(&keyframe_wanted), Arc::clone(&stop));

    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, true, events_tx)
        .await
        .expect("start");
    let received = Arc::new(Received::default());
    let tech = technician_answering(&offer, Arc::clone(&received)).await;
    session
        .apply_answer(tech.answer.clone())
        .await
        .expect("apply answer");
    connected(&mut events, DEADLINE).await;

    // The technician sees the picture, and the shell was told what bitrate to encode at.
    wait_until(DEADLINE, "the technician decoding 30 pushed frames", || {
        received.frames_decoded.load(Ordering::SeqCst) >= 30
    })
    .await;
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|r| matches!(r, ShellRequest::TargetBitrate { bps } if *bps > 0)),
        "the shell was asked for a target bitrate: {:?}",
        log.lock().unwrap()
    );

    // The technician's decoder loses the picture: one PLI.
    let requests_before = keyframe_requests(&log);
    let keyframes_before = received.keyframes_decoded.load(Ordering::SeqCst);
    assert!(tech.send_pli(&received).await, "the technician sent a PLI");
    wait_until(
        DEADLINE,
        "a keyframe request to the shell after the PLI",
        || keyframe_requests(&log) > requests_before,
    )
    .await;
    wait_until(
        DEADLINE,
        "the shell's new keyframe decoded by the technician",
        || received.keyframes_decoded.load(Ordering::SeqCst) > keyframes_before,
    )
    .await;

    // A burst of PLIs (a browser on a bad link repeats them) does not make the hardware
    // encoder produce a keyframe for each: requests are rate-limited.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before_burst = keyframe_requests(&log);
    for _ in 0..10 {
        assert!(tech.send_pli(&received).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let from_burst = keyframe_requests(&log) - before_burst;
    assert!(
        (1..=3).contains(&from_burst),
        "10 PLIs in 200 ms gave {from_burst} keyframe requests (1 to 3 expected: at most one per 500 ms)"
    );

    stop.store(true, Ordering::Release);
    camera.join().unwrap();
    tech.close().await;
    session.close().await;
}
