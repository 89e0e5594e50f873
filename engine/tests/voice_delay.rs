//! The technician's voice after a stall on the customer's downlink (a Wi-Fi hiccup): what the
//! technician said meanwhile arrives all at once, and the customer's jitter buffer takes back
//! the delay it would otherwise leave standing for the rest of the call, in the technician's
//! pauses, without cutting a word (`engine/src/media/recv/jitter.rs`).
//!
//! The technician, an in-process webrtc-rs peer behind the link shaper's relay
//! (`support/shaper.rs`), says a 200 ms tone at the start of each second and is quiet in
//! between. The customer's playback is pulled as a phone's audio callback pulls it, and a
//! delay is from the moment a tone was sent to the moment the loudspeaker plays it. The same
//! goes for a stall of the phone's audio output: what piles up in the playback ring is skipped
//! in the pauses too (`engine/src/media/recv/sink.rs`).
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

/// Waits for the technician to start a sentence, then a little over its 200 ms, and calls
/// `stall` (which stalls something for [`STALL`]) in the pause that follows: whatever the
/// stall itself costs, it cuts no word. Returns when the stall ends.
async fn stall_in_a_pause(sent: &Mutex<Vec<Instant>>, stall: impl FnOnce()) -> Instant {
    let count = sent.lock().unwrap().len();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if sent.lock().unwrap().len() > count {
            break;
        }
    }
    let started = *sent.lock().unwrap().last().unwrap();
    tokio::time::sleep_until((started + Duration::from_millis(250)).into()).await;
    stall();
    Instant::now() + STALL
}

/// Checks that the stall that ended at `ends` left the technician's voice late, and that it
/// was as prompt as before the stall again within two seconds, with no sentence cut short.
fn caught_up(what: &str, sentences: &[Heard], ends: Instant) {
    let started = ends - STALL;
    let before: Vec<&Heard> = sentences
        .iter()
        .filter(|h| h.at < started && h.at + Duration::from_secs(4) > started)
        .collect();
    let after: Vec<&Heard> = sentences
        .iter()
        .filter(|h| h.at > ends && h.at < ends + Duration::from_secs(6))
        .collect();
    let settled: Vec<&&Heard> = after
        .iter()
        .filter(|h| h.at > ends + Duration::from_secs(2))
        .collect();
    let report = format!(
        "{what}: before the stall {:?} ms, after it {:?} ms; all heard: {sentences:?}",
        millis(&before),
        millis(&after),
    );
    println!("{}", report.split("; all heard").next().unwrap());
    assert!(before.len() >= 3 && settled.len() >= 3, "{report}");
    let usual = before.iter().map(|h| h.delay).max().unwrap();
    assert!(usual < Duration::from_millis(250), "{report}");
    // What piled up during the stall stands: the first sentence after it comes late ...
    assert!(
        after[0].delay >= usual + Duration::from_millis(80),
        "the stall left no delay to take back: {report}"
    );
    // ... and from two seconds after it the voice is as prompt as before.
    assert!(
        settled
            .iter()
            .all(|h| h.delay <= usual + Duration::from_millis(40)),
        "the delay stayed: {report}"
    );
    // Only pauses were skipped: every sentence since the stall was heard whole.
    for heard in &after {
        assert!(
            heard.pulls >= 18,
            "a sentence cut short: {heard:?}\n{report}"
        );
    }
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

    // Four sentences on a clean link; then the downlink stalls (a Wi-Fi hiccup), and the
    // packets it held arrive at once into the jitter buffer.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let downlink_stall = stall_in_a_pause(&sent, || shaper.hold_downlink(STALL)).await;
    tokio::time::sleep(STALL + Duration::from_secs(6)).await;
    let shed = session.stats().remote_audio_frames_shed;
    // Then the phone's audio output stops pulling for a while, and what the engine plays
    // meanwhile piles up in the playback ring.
    let output_stall = stall_in_a_pause(&sent, || loudspeaker.stall(STALL)).await;
    tokio::time::sleep(STALL + Duration::from_secs(6)).await;

    let sentences = heard_sentences(&sent.lock().unwrap(), &loudspeaker.heard());
    caught_up("after the downlink stalled", &sentences, downlink_stall);
    caught_up("after the audio output stalled", &sentences, output_stall);
    // The jitter buffer shed the burst the downlink's stall left, about 7 frames (140 ms);
    // the output's stall is the ring's to take back, not the jitter buffer's.
    assert!((3..=10).contains(&shed), "{shed} frames shed");
    assert_eq!(session.stats().remote_audio_frames_shed, shed);

    talker.abort();
    session.close().await;
    tech.close().await;
}
