//! A `MediaSession` against a second, in-process webrtc-rs peer that plays the technician's
//! browser: it answers the offer, decodes the H.264 it receives, counts the Opus, sends a tone
//! back, and asks for a keyframe with a PLI.
//!
//! Everything binds 127.0.0.1 and no STUN server is configured, so no packet leaves loopback.
//! `make test` runs this file inside a network namespace that has only `lo` (`unshare -n sh -c
//! 'ip link set lo up; cargo test -p lens-engine --test loopback media_loopback'`, as root),
//! which is how every WebRTC test on these machines runs; without the namespace it
//! still works but ICE also probes the machine's other interfaces.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::support::customer::on_loopback;
use crate::support::technician::{Received, ReceivedFrame, technician_answering_with_voice};
use crate::support::voice::{Voice, speak, voice_track};
use crate::support::wait::{connected, wait_until};
use lens_engine::media::codec::PROFILE_LEVEL_ID;
use lens_engine::media::{MediaConfig, MediaSession, VideoSourceConfig};

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const DEADLINE: Duration = Duration::from_secs(15);

fn media_config() -> MediaConfig {
    on_loopback(VideoSourceConfig::Synthetic {
        width: WIDTH,
        height: HEIGHT,
        fps: 30,
    })
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_and_microphone_reach_the_technician_and_the_technician_is_heard() {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(media_config(), true, true, events_tx)
        .await
        .expect("start");

    // The offer is complete (non-trickle) and says what the bitstream will say.
    assert!(
        offer.contains("a=candidate:"),
        "the offer carries its candidates:\n{offer}"
    );
    assert!(offer.contains("127.0.0.1"), "{offer}");
    assert!(
        offer.contains("profile-level-id=42e01f") && offer.contains("packetization-mode=1"),
        "{offer}"
    );
    let video_section = offer.split("m=audio").next().unwrap();
    assert!(
        video_section.contains("m=video") && video_section.contains("a=sendonly"),
        "{offer}"
    );
    assert!(
        video_section.contains("nack pli") && video_section.contains("ccm fir"),
        "{offer}"
    );
    let audio_section = offer.split("m=audio").nth(1).expect("an audio m-line");
    assert!(audio_section.contains("a=sendrecv"), "{offer}");

    // The technician answers and sends a tone back on the audio m-line.
    let tone_ssrc = 0x7e57_0001;
    let tone_track = voice_track(tone_ssrc);
    let received = Arc::new(Received::default());
    let mut tech =
        technician_answering_with_voice(&offer, Arc::clone(&received), Arc::clone(&tone_track))
            .await;
    session
        .apply_answer(tech.answer.clone())
        .await
        .expect("apply answer");
    let tone = tokio::spawn(speak(Voice::new(tone_track, tone_ssrc, 440.0), true));

    let connected_at = connected(&mut events, DEADLINE).await;
    tokio::time::timeout(DEADLINE, tech.connected.wait_for(|c| *c))
        .await
        .unwrap()
        .unwrap();
    // The answer again, with no offer awaiting one: what an answer to a replaced connection's
    // offer looks like to the new one. Ignored; the call goes on (below).
    session
        .apply_answer(tech.answer.clone())
        .await
        .expect("an answer with no offer awaiting it is ignored");

    // Video: decodable H.264 whose frame counter keeps moving.
    wait_until(DEADLINE, "30 video frames are decoded", || {
        received
            .frames()
            .iter()
            .filter(|f| f.counter.is_some())
            .count()
            >= 30
    })
    .await;
    let frames = received.frames();
    let first = &frames[0];
    assert!(
        first.keyframe,
        "the first frame after connecting is a keyframe: {first:?}"
    );
    assert!(first.parameter_sets_first, "SPS and PPS precede the IDR");
    assert_eq!(
        first.profile_level_id,
        Some(PROFILE_LEVEL_ID),
        "the SPS says 42e01f like the SDP"
    );
    let counters: Vec<u32> = frames.iter().filter_map(|f| f.counter).collect();
    assert!(
        counters.windows(2).all(|w| w[1] > w[0]),
        "frame counters increase: {counters:?}"
    );
    let decoded: Vec<&ReceivedFrame> = frames.iter().filter(|f| f.counter.is_some()).collect();
    let span = decoded.last().unwrap().at - decoded[0].at;
    let fps = (decoded.len() - 1) as f64 / span.as_secs_f64();
    println!(
        "first frame {:?} after Connected; {fps:.1} frames/s decoded",
        frames[0].at - connected_at
    );
    // Well below 30 so a machine busy with builds passes, well above a stalling pipeline.
    assert!(fps > 15.0, "{fps:.1} frames/s");

    // Audio both ways: our Opus reaches the technician, the technician's reaches our decoder.
    wait_until(DEADLINE, "50 Opus packets reach the technician", || {
        received.audio_decoded.load(Ordering::SeqCst) >= 50
    })
    .await;
    wait_until(
        DEADLINE,
        "50 of the technician's frames are decoded",
        || session.stats().remote_audio_frames_decoded >= 50,
    )
    .await;
    // A sine of amplitude 0.2 has an RMS of 0.141. The level is the last 100 ms of playout,
    // which a jitter-buffer underrun on a machine busy with builds fills with silence for a
    // moment: the technician is heard once a whole 100 ms window plays the tone.
    let mut levels = Vec::new();
    wait_until(DEADLINE, "the technician's tone plays at its level", || {
        let level = session.stats().remote_audio_level;
        levels.push(level);
        (0.10..0.18).contains(&level)
    })
    .await;
    assert!(
        levels.iter().all(|&l| l < 0.18),
        "louder than sent: {levels:?}"
    );

    // A PLI from the technician brings a new keyframe.
    let keyframes_before = received.frames().iter().filter(|f| f.keyframe).count();
    if session.stats().video_frames_dropped == 0 {
        // (A frame dropped under load is followed by a keyframe, legitimately.)
        assert_eq!(keyframes_before, 1, "no keyframes nobody asked for");
    }
    assert!(tech.send_pli(&received).await, "send PLI");
    wait_until(DEADLINE, "a keyframe answers the PLI", || {
        received.frames().iter().filter(|f| f.keyframe).count() > keyframes_before
    })
    .await;
    let stats = session.stats();
    assert!(stats.keyframe_requests >= 1, "{stats:?}");
    assert!(stats.video_keyframes_sent >= 2, "{stats:?}");
    assert!(
        received
            .frames()
            .iter()
            .filter(|f| f.keyframe)
            .all(|f| f.parameter_sets_first)
    );
    assert!(
        stats.audio_frames_sent >= 50 && stats.video_frames_sent >= 30,
        "{stats:?}"
    );
    println!("{stats:?}");

    // After close returns, nothing more arrives.
    session.close().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after_close = received.packets();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        received.packets(),
        after_close,
        "packets kept arriving after close"
    );
    // ...and the event stream ends, so whoever forwards it can stop.
    let drained = tokio::time::timeout(Duration::from_secs(2), async {
        while events.recv().await.is_some() {}
    })
    .await;
    assert!(drained.is_ok(), "the event channel outlived the session");

    tone.abort();
    tech.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_camera_and_microphone_the_offer_only_receives_audio() {
    let (events_tx, _events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(media_config(), false, false, events_tx)
        .await
        .expect("start");
    assert!(!offer.contains("m=video"), "{offer}");
    let audio_section = offer.split("m=audio").nth(1).expect("an audio m-line");
    assert!(audio_section.contains("a=recvonly"), "{offer}");
    assert!(offer.contains("a=candidate:"), "{offer}");
    session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbled_answer_is_refused_with_a_clear_error() {
    let (events_tx, _events) = mpsc::unbounded_channel();
    let (session, _offer) = MediaSession::start(media_config(), true, true, events_tx)
        .await
        .expect("start");
    let error = session
        .apply_answer("this is not SDP".to_owned())
        .await
        .expect_err("garbage refused");
    assert!(error.to_string().contains("answer"), "{error}");
    session.close().await;
}
