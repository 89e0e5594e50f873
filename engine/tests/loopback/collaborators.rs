//! Seed 004 on the phone: one capture and one encoder, and a peer connection per
//! technician. The lead and two collaborators (in-process webrtc-rs peers that decode what
//! they get, as in `media_loopback.rs`) all decode the same camera; the collaborator the lead
//! let talk is heard in the customer's playback, the other one cannot even send audio; a
//! removed collaborator gets nothing more while the others go on.
//!
//! Loopback only: run inside the test namespace like every WebRTC test here
//! (`tests/netns.sh cargo test --release -p lens-engine --test loopback collaborators`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;

use crate::support::technician::{
    Received, Technician, technician_answering, technician_answering_with_voice,
};
use crate::support::voice::{Loudspeaker, Voice, phone_call_config, speak, voice_track};
use crate::support::wait::wait_until;
use lens_engine::media::MediaSession;

const DEADLINE: Duration = Duration::from_secs(20);

fn decoded(received: &Received) -> usize {
    received
        .frames()
        .iter()
        .filter(|f| f.counter.is_some())
        .count()
}

/// Adds collaborator `peer`, who answers with a test technician sending `voice` if given.
async fn collaborator_joins(
    session: &mut MediaSession,
    peer: &str,
    talk: bool,
    received: Arc<Received>,
    voice: Option<Arc<TrackLocalStaticSample>>,
) -> (String, Technician) {
    crate::support::collaborator::collaborator_joins(
        session,
        peer,
        talk,
        &phone_call_config(),
        |offer| async move {
            match voice {
                Some(voice) => technician_answering_with_voice(&offer, received, voice).await,
                None => technician_answering(&offer, received).await,
            }
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_and_two_collaborators_decode_one_encoding_and_the_talker_is_heard() {
    let config = phone_call_config();
    let controls = config.controls.clone();
    let (events_tx, _events) = mpsc::unbounded_channel();
    let (mut session, offer) = MediaSession::start(config, true, true, events_tx)
        .await
        .expect("start");
    let loudspeaker = Loudspeaker::listen(controls);

    // The lead answers and keeps a quiet open microphone.
    let lead_received = Arc::new(Received::default());
    let lead_voice = voice_track(0x1ead);
    let lead =
        technician_answering_with_voice(&offer, Arc::clone(&lead_received), lead_voice.clone())
            .await;
    session.apply_answer(lead.answer.clone()).await.unwrap();
    let lead_speaks = tokio::spawn(speak(Voice::new(lead_voice, 0x1ead, 440.0), false));
    wait_until(DEADLINE, "the lead decodes 20 pictures", || {
        decoded(&lead_received) >= 20
    })
    .await;

    // Ian may talk; Eve may only watch.
    let ian_received = Arc::new(Received::default());
    let ian_voice = voice_track(0x1a11);
    let (ian_offer, ian) = collaborator_joins(
        &mut session,
        "c1",
        true,
        Arc::clone(&ian_received),
        Some(ian_voice.clone()),
    )
    .await;
    let ian_speaks = tokio::spawn(speak(Voice::new(ian_voice, 0x1a11, 440.0), true));
    let eve_received = Arc::new(Received::default());
    let eve_voice = voice_track(0x0e0e);
    let (eve_offer, eve) = collaborator_joins(
        &mut session,
        "c2",
        false,
        Arc::clone(&eve_received),
        Some(eve_voice.clone()),
    )
    .await;
    let eve_speaks = tokio::spawn(speak(Voice::new(eve_voice, 0x0e0e, 1_000.0), true));
    let audio = |offer: &str| offer.split("m=audio").nth(1).unwrap().to_owned();
    assert!(audio(&ian_offer).contains("a=sendrecv"), "{ian_offer}");
    assert!(
        audio(&eve_offer).contains("a=sendonly"),
        "without the talk permission the phone does not receive her voice:\n{eve_offer}"
    );
    assert_eq!(session.collaborator_count(), 2);

    // All three decode the camera, each starting from a keyframe with its parameter sets.
    wait_until(DEADLINE, "every technician decodes 30 pictures", || {
        decoded(&lead_received) >= 60
            && decoded(&ian_received) >= 30
            && decoded(&eve_received) >= 30
    })
    .await;
    for (who, received) in [("Ian", &ian_received), ("Eve", &eve_received)] {
        let first = received.frames()[0].clone();
        assert!(
            first.keyframe && first.parameter_sets_first,
            "{who}: {first:?}"
        );
        let counters: Vec<u32> = received.frames().iter().filter_map(|f| f.counter).collect();
        assert!(
            counters.windows(2).all(|w| w[1] > w[0]),
            "{who}: {counters:?}"
        );
    }
    // Encoded once: the encoder's frames are what the lead got, not three times as many.
    let encoded = session.stats().video_frames_sent;
    let lead_frames = lead_received.frames().len() as u64;
    assert!(
        encoded <= lead_frames + 10,
        "{encoded} frames encoded, {lead_frames} reached the lead"
    );
    // Everyone hears the customer.
    wait_until(DEADLINE, "the collaborators hear the customer", || {
        ian_received.audio_decoded.load(Ordering::SeqCst) >= 25
            && eve_received.audio_decoded.load(Ordering::SeqCst) >= 25
    })
    .await;

    // The customer hears Ian's tone mixed with the lead's quiet microphone (about 0.141
    // RMS), and never Eve's: hers on top would make it about 0.2.
    wait_until(DEADLINE, "Ian is heard on the phone", || {
        loudspeaker
            .levels_per_100_ms()
            .iter()
            .rev()
            .take(3)
            .any(|l| (0.10..0.18).contains(l))
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let heard = loudspeaker.levels_per_100_ms();
    assert!(
        heard.iter().all(|&l| l < 0.18),
        "louder than Ian alone: Eve's voice reached the customer? {heard:?}"
    );

    // Eve is removed: nothing more reaches her; the lead and Ian go on.
    session.remove_collaborator("c2").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let eve_after = eve_received.packets();
    let (lead_before, ian_before) = (decoded(&lead_received), decoded(&ian_received));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(eve_received.packets(), eve_after, "packets after removal");
    assert!(decoded(&lead_received) > lead_before + 10);
    assert!(decoded(&ian_received) > ian_before + 10);
    assert_eq!(session.collaborator_count(), 1);

    // Closing the session closes every connection.
    session.close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (lead_after, ian_after) = (lead_received.packets(), ian_received.packets());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(lead_received.packets(), lead_after);
    assert_eq!(ian_received.packets(), ian_after);

    for task in [lead_speaks, ian_speaks, eve_speaks] {
        task.abort();
    }
    for technician in [lead, ian, eve] {
        technician.close().await;
    }
}
