//! The technician's voice after a stall on the customer's downlink (a Wi-Fi hiccup): what the
//! technician said meanwhile arrives all at once, and the customer's jitter buffer takes back
//! the delay it would otherwise leave standing for the rest of the call, in the technician's
//! pauses, without cutting a word (`engine/src/media/recv/jitter.rs`).
//!
//! The technician, an in-process webrtc-rs peer behind the link shaper's relay
//! (`support/shaper.rs`), says a 200 ms tone at the start of each second and is quiet in
//! between. The customer's playback is pulled as a phone's audio callback pulls it, and a
//! delay is from the moment a tone was sent to the moment the loudspeaker plays it.
//!
//! Runs inside `tests/netns.sh` like every WebRTC test.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lens_engine::media::MediaSession;
use support::shaper::Shaper;
use support::technician::{Received, technician_answering_with_voice};
use support::voice::{Loudspeaker, Voice, phone_call_config, voice_track};
use support::wait::connected;
use tokio::sync::mpsc;

/// The technician talks for 10 frames (200 ms) of every 50 (a second).
const TALK_FRAMES: u64 = 10;
const SENTENCE_FRAMES: u64 = 50;
/// A 10 ms pull louder than this is the tone (its RMS swells between about 0.02 and 0.14,
/// like syllables); quieter is the pause (silence, decoded).
const LOUD: f32 = 0.01;
/// What the downlink stalls for.
const STALL: Duration = Duration::from_millis(400);

/// Talks in real time, a frame each 20 ms, and notes when each sentence's first frame left.
async fn talk_in_sentences(mut voice: Voice, sentences: Arc<Mutex<Vec<Instant>>>) {
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    for frame in 0u64.. {
        ticker.tick().await;
        let position = frame % SENTENCE_FRAMES;
        if position == 0 {
            sentences.lock().unwrap().push(Instant::now());
        }
        voice.say(position < TALK_FRAMES).await;
    }
}

/// One sentence as the loudspeaker played it.
#[derive(Debug)]
struct Heard {
    /// From the sentence leaving the technician to its first loud 10 ms on the loudspeaker.
    delay: Duration,
    /// When the loudspeaker played it.
    at: Instant,
    /// 10 ms pulls it lasted: 20 for the whole 200 ms.
    pulls: usize,
}

/// Each sentence the loudspeaker played, matched with the last one sent before it began.
fn heard_sentences(sent: &[Instant], heard: &[(Instant, f32)]) -> Vec<Heard> {
    let mut sentences = Vec::new();
    let mut previous_loud = false;
    for (i, &(at, rms)) in heard.iter().enumerate() {
        let loud = rms >= LOUD;
        if loud && !previous_loud {
            let pulls = heard[i..].iter().take_while(|(_, r)| *r >= LOUD).count();
            if let Some(sent_at) = sent.iter().rev().find(|&&s| s <= at) {
                sentences.push(Heard {
                    delay: at - *sent_at,
                    at,
                    pulls,
                });
            }
        }
        previous_loud = loud;
    }
    sentences
}

fn millis(sentences: &[&Heard]) -> Vec<u128> {
    sentences.iter().map(|h| h.delay.as_millis()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_stall_the_technicians_voice_catches_up_in_the_pauses() {
    let shaper = Shaper::start().await;
    let config = phone_call_config();
    let controls = config.controls.clone();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, true, events_tx)
        .await
        .expect("start");
    let loudspeaker = Loudspeaker::listen(controls);
    let track = voice_track(0x7a1c);
    let tech = technician_answering_with_voice(
        &shaper.route_offer(&offer),
        Arc::new(Received::default()),
        Arc::clone(&track),
    )
    .await;
    session
        .apply_answer(shaper.route_answer(&tech.answer))
        .await
        .expect("apply answer");
    connected(&mut events, Duration::from_secs(20)).await;
    let sent = Arc::new(Mutex::new(Vec::new()));
    let talker = tokio::spawn(talk_in_sentences(
        Voice::new(track, 0x7a1c, 440.0),
        Arc::clone(&sent),
    ));

    // Five sentences on a clean link, then a stall that starts just after one ends, so it
    // holds up only a pause: whatever the stall itself costs, it cuts no word.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let last_sent = *sent.lock().unwrap().last().expect("sentences sent");
    tokio::time::sleep_until((last_sent + Duration::from_millis(250)).into()).await;
    shaper.hold_downlink(STALL);
    let stall_ends = Instant::now() + STALL;
    tokio::time::sleep(STALL + Duration::from_secs(6)).await;

    let sentences = heard_sentences(&sent.lock().unwrap(), &loudspeaker.heard());
    let stats = session.stats();
    let before: Vec<&Heard> = sentences
        .iter()
        .filter(|h| h.at < stall_ends - STALL && h.at > stall_ends - Duration::from_secs(4))
        .collect();
    let first_after = sentences.iter().find(|h| h.at > stall_ends);
    let settled: Vec<&Heard> = sentences
        .iter()
        .filter(|h| h.at > stall_ends + Duration::from_secs(2))
        .collect();
    let report = format!(
        "before the stall {:?} ms, first after it {:?}, from 2 s after it {:?} ms; \
         {} frames shed; all heard: {sentences:?}",
        millis(&before),
        first_after.map(|h| h.delay.as_millis()),
        millis(&settled),
        stats.remote_audio_frames_shed
    );
    println!("{report}");

    assert!(before.len() >= 3 && settled.len() >= 3, "{report}");
    let usual = before.iter().map(|h| h.delay).max().unwrap();
    assert!(usual < Duration::from_millis(250), "{report}");
    // The packets held up stand in the buffer: the first sentence after the stall comes late.
    let first_after = first_after.expect("a sentence after the stall");
    assert!(
        first_after.delay >= usual + Duration::from_millis(80),
        "the stall left no delay to take back: {report}"
    );
    // ... and within two seconds the voice is as prompt as before it.
    assert!(
        settled
            .iter()
            .all(|h| h.delay <= usual + Duration::from_millis(40)),
        "the delay stayed: {report}"
    );
    assert!(
        (3..=10).contains(&stats.remote_audio_frames_shed),
        "{report}"
    );
    // Only pauses were skipped: every sentence since the stall was heard whole.
    for heard in sentences.iter().filter(|h| h.at > stall_ends) {
        assert!(
            heard.pulls >= 18,
            "a sentence cut short: {heard:?}\n{report}"
        );
    }

    talker.abort();
    session.close().await;
    tech.close().await;
}
