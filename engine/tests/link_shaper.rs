//! The customer's stream over a bad uplink: a UDP relay between the customer and an in-process
//! webrtc-rs technician limits, delays and drops the customer's packets (see
//! `support/shaper.rs`), and the engine's own per-second statistics show what it did about it.
//!
//! The flow a technician lives through: a good link shows 720p; the customer walks into a
//! basement (500 kbit/s) and the picture steps down within seconds but keeps moving; the link
//! comes back and so does the picture; on a lossy Wi-Fi (5 % loss) the voice stays continuous.
//!
//! Bounds are generous: they check what the engine does, not how fast this machine is.
//! Runs inside `tests/netns.sh` like every WebRTC test.

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use lens_engine::media::{MediaConfig, MediaSession, MediaStats, PeerEvent, VideoSourceConfig};
use support::customer::on_loopback;
use support::shaper::{Conditions, Shaper};
use support::stretch::{line, stretch, unit_runs};
use support::technician::{Outcome, Received, Technician, technician_answering};
use support::wait::{connected, wait_until};
use tokio::sync::mpsc;

fn media_config() -> MediaConfig {
    on_loopback(VideoSourceConfig::Synthetic {
        width: 1280,
        height: 720,
        fps: 30,
    })
}

/// A call from the customer's engine to an in-process technician, all through `shaper`;
/// returns once ICE and DTLS are up.
async fn call_through(
    shaper: &Shaper,
    config: MediaConfig,
) -> (
    MediaSession,
    mpsc::UnboundedReceiver<PeerEvent>,
    Arc<Received>,
    Technician,
) {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, true, events_tx)
        .await
        .expect("start");
    let received = Arc::new(Received::default());
    let tech = technician_answering(&shaper.route_offer(&offer), Arc::clone(&received)).await;
    session
        .apply_answer(shaper.route_answer(&tech.answer))
        .await
        .expect("apply answer");
    connected(&mut events, Duration::from_secs(20)).await;
    (session, events, received, tech)
}

/// Polls the engine's per-second stats until `done` says yes or `limit` passes.
async fn watch_stats(
    session: &MediaSession,
    limit: Duration,
    mut done: impl FnMut(&MediaStats) -> bool,
) -> Option<(Duration, MediaStats)> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let stats = session.stats();
        if done(&stats) {
            return Some((start.elapsed(), stats));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Decoded video frames in each of `seconds` consecutive one-second windows.
async fn frames_per_second(received: &Received, seconds: usize) -> Vec<u64> {
    let mut counts = Vec::new();
    let mut before = received.frames_decoded.load(Ordering::SeqCst);
    for _ in 0..seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = received.frames_decoded.load(Ordering::SeqCst);
        counts.push(now - before);
        before = now;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_adapts_to_a_bad_uplink_and_recovers() {
    let shaper = Shaper::start().await;
    let (session, _events, received, tech) = call_through(&shaper, media_config()).await;

    // A good link: the ladder climbs to 720p.
    let (took, good) = watch_stats(&session, Duration::from_secs(60), |s| s.link.height == 720)
        .await
        .unwrap_or_else(|| {
            panic!(
                "never reached 720p on a clean link: {}",
                line(&session.stats())
            )
        });
    println!("clean link: 720p after {took:?}: {}", line(&good));
    assert!(
        shaper.counters().uplink_bytes_delivered > 0,
        "media goes through the shaper"
    );
    assert!(received.frames_decoded.load(Ordering::SeqCst) > 0);

    // The basement: 500 kbit/s, 40 ms, about 250 ms of queue.
    let limit = Conditions {
        rate_bps: Some(500_000),
        delay: Duration::from_millis(40),
        queue_bytes: 16_000,
        ..Conditions::default()
    };
    shaper.set(limit);
    let (took, adapted) = watch_stats(&session, Duration::from_secs(5), |s| {
        s.link.target_kbps < 500 || s.link.height < 720
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no adaptation within 5 s at 500 kbit/s: {}",
            line(&session.stats())
        )
    });
    println!("500 kbit/s: adapted after {took:?}: {}", line(&adapted));

    // Settled a few seconds later, the picture keeps moving: frames decode every second.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let counts = frames_per_second(&received, 8).await;
    let settled = session.stats();
    println!(
        "500 kbit/s: decoded frames per second {counts:?}; {}; relay {:?}",
        line(&settled),
        shaper.counters()
    );
    assert!(
        counts.iter().all(|&n| n > 0),
        "a freeze of a second or more: {counts:?}"
    );
    assert!(
        settled.link.height < 720,
        "the ladder stepped down: {}",
        line(&settled)
    );
    assert!(settled.link.target_kbps <= 500, "{}", line(&settled));
    // Retransmissions are budgeted: the sender does not flood the link it is congesting.
    assert!(settled.link.sent_kbps < 1_000, "{}", line(&settled));
    assert!(
        settled.link.quality < good.link.quality,
        "the score shows it: {}",
        line(&settled)
    );
    let limited_height = settled.link.height;

    // The link is back: the stream climbs back up.
    shaper.set(Conditions::default());
    let (took, recovered) = watch_stats(&session, Duration::from_secs(90), |s| {
        s.link.height > limited_height && s.link.target_kbps >= 1_000
    })
    .await
    .unwrap_or_else(|| panic!("never climbed back: {}", line(&session.stats())));
    println!(
        "limit lifted: climbed back after {took:?}: {}",
        line(&recovered)
    );

    // Lossy Wi-Fi: 5 % of the customer's packets are lost. The voice stays continuous: no gap
    // longer than random loss explains, and nearly every packet arrives.
    shaper.set(Conditions {
        loss: 0.05,
        ..Conditions::default()
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    received.audio_sequences.lock().unwrap().clear();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let sequences = received.audio_sequences.lock().unwrap().clone();
    let span = usize::from(sequences.last().unwrap().wrapping_sub(sequences[0])) + 1;
    let longest_gap = sequences
        .windows(2)
        .map(|w| w[1].wrapping_sub(w[0]).saturating_sub(1))
        .max()
        .unwrap_or(0);
    let arrived = sequences.len() as f64 / span as f64;
    println!(
        "5 % loss: {} of {span} audio packets arrived ({:.1} %), longest gap {longest_gap} packets; {}",
        sequences.len(),
        arrived * 100.0,
        line(&session.stats())
    );
    assert!(span >= 400, "10 s of 20 ms packets were sent: {span}");
    assert!(arrived > 0.88, "{:.1} % arrived", arrived * 100.0);
    // Four 20 ms packets in a row is what Opus FEC and PLC bridge; at 5 % independent loss the
    // chance of five in a row somewhere in 500 packets is below 1 in 10 000.
    assert!(longest_gap <= 4, "audio gap of {longest_gap} packets");
    assert!(received.audio_decoded.load(Ordering::SeqCst) > 400);

    session.close().await;
    tech.close().await;
}

/// Issue 17's bad links, one after the other on one call: 10 % and 30 % of the customer's
/// packets lost, then a 300 ms round trip with up to 60 ms of jitter. The call survives
/// each, the voice that arrives keeps up with what the link lets through, pictures keep
/// being decoded at every level, the picture never freezes for more than a second at 10 %
/// loss or at 300 ms, and it comes back on a clean link, at full quality. The figures (audio
/// share, pictures, longest freeze) are printed for the note.
///
/// The receiver keeps a jitter buffer and waits for NACK retransmissions, as a browser does
/// (`support/reorder.rs`); what makes the freezes short is the sender answering those NACKs
/// even at the bottom of the ladder (`rtx_budget.rs`).
#[tokio::test]
async fn a_lossy_or_slow_link_keeps_the_call() {
    let shaper = Shaper::start().await;
    // 360p: the loss story does not need 720p's encoder load.
    let config = MediaConfig {
        video: VideoSourceConfig::Synthetic {
            width: 640,
            height: 360,
            fps: 30,
        },
        ..media_config()
    };
    let voice = config.voice;
    let (session, mut events, received, tech) = call_through(&shaper, config).await;
    assert_eq!(
        session.stats().voice_complexity,
        voice.complexity,
        "a clean link's voice complexity"
    );
    // Each level with the longest freeze it may show (`None`: pictures only).
    let levels = [
        (
            "10 % loss",
            Conditions {
                loss: 0.10,
                ..Conditions::default()
            },
            Some(Duration::from_secs(1)),
        ),
        (
            "30 % loss",
            Conditions {
                loss: 0.30,
                ..Conditions::default()
            },
            None,
        ),
        (
            "300 ms RTT, 60 ms jitter",
            Conditions {
                delay: Duration::from_millis(300),
                jitter: Duration::from_millis(60),
                ..Conditions::default()
            },
            Some(Duration::from_secs(1)),
        ),
    ];
    for (name, conditions, longest_freeze) in levels {
        let level_start = (Instant::now(), received.frames.lock().unwrap().len());
        shaper.set(conditions);
        // The first seconds are the controller reacting; the stretch is what follows.
        stretch(&session, &received, &mut events, Duration::from_secs(3)).await;
        let s = stretch(&session, &received, &mut events, Duration::from_secs(12)).await;
        println!(
            "{name}: audio {:.1} % arrived (longest gap {} packets), {} pictures decoded, longest freeze {:?}; {}",
            s.audio_arrived * 100.0,
            s.longest_audio_gap,
            s.frames_decoded,
            s.longest_freeze,
            line(&session.stats())
        );
        // The voice gets what the link lets through (binomial: 600 packets, five standard
        // deviations of slack), and the picture keeps coming.
        assert!(
            s.audio_arrived >= 1.0 - conditions.loss - 0.08,
            "{name}: {:.1} % of the audio arrived",
            s.audio_arrived * 100.0
        );
        assert!(s.frames_decoded > 0, "{name}: no picture decoded");
        // Every access unit that arrived whole and was given to the decoder decodes: one it
        // refuses is a broken stream, whatever the link did. (A keyframe refused this way once
        // froze the picture for 5 s at 300 ms: the receiver's depacketizer, see `gap` in
        // `support/technician.rs`.)
        let frames = received.frames();
        let level = &frames[level_start.1..];
        assert!(
            level
                .iter()
                .all(|f| !matches!(f.outcome, Outcome::NoPicture | Outcome::Error)),
            "{name}: access units that arrived whole did not decode:\n{}",
            unit_runs(level, level_start.0)
        );
        // While the technician reports loss, the voice is encoded with more care (libopus's
        // own value, read back by the audio thread). Watched for a few seconds, not read once:
        // the plan follows each second's report, and at 10 % loss a report over some 50 voice
        // packets now and then counts less than the plan's 5 % floor (check run 68 read 6
        // once, the link's last report at 3.9 %).
        if conditions.loss > 0.0 {
            let lossy = voice.complexity_under_loss();
            let what = format!("{name}: the voice's complexity is {lossy}");
            wait_until(Duration::from_secs(5), &what, || {
                session.stats().voice_complexity == lossy
            })
            .await;
        }
        if let Some(limit) = longest_freeze {
            assert!(
                s.longest_freeze <= limit,
                "{name}: the picture froze for {:?}:\n{}the access units since the switch:\n{}",
                s.longest_freeze,
                s.timeline,
                unit_runs(&received.frames()[level_start.1..], level_start.0)
            );
        }
    }
    // Back on a clean link, the call is still the same call.
    shaper.set(Conditions::default());
    let s = stretch(&session, &received, &mut events, Duration::from_secs(10)).await;
    println!(
        "clean again: audio {:.1} % arrived, {} pictures decoded, longest freeze {:?}; {}",
        s.audio_arrived * 100.0,
        s.frames_decoded,
        s.longest_freeze,
        line(&session.stats())
    );
    assert!(s.audio_arrived > 0.95);
    assert!(
        s.frames_decoded > 0,
        "the picture did not come back on a clean link"
    );
    // And it climbs back to the source's size and rate: the bad stretch is not paid for with
    // the rest of the call. (It once was: old packets the receiver kept asking for, and could
    // no longer take, counted as lost for good and held the estimate at its floor.)
    let (took, full) = watch_stats(&session, Duration::from_secs(20), |s| {
        s.link.height == 360 && s.link.fps >= 25
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "still not 640x360 at full rate 30 s into a clean link: {}",
            line(&session.stats())
        )
    });
    println!(
        "full quality again {:.1} s after the clean stretch: {}",
        took.as_secs_f64(),
        line(&full)
    );
    // The voice's extra care ends with the loss (the FEC plan comes down 2 points a second).
    watch_stats(&session, Duration::from_secs(20), |s| {
        s.voice_complexity == voice.complexity
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "the voice's complexity stayed raised: {}",
            line(&session.stats())
        )
    });
    session.close().await;
    tech.close().await;
}

/// The stream starts at 720p, since the first estimate affords it (`INITIAL_ESTIMATE_BPS`, so
/// that a good link shows full quality at once). A customer whose uplink holds only 700 kbit/s
/// from the very first packet must not be stuck there: the picture steps down within seconds,
/// then keeps coming without freezing, and the voice gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_slower_than_the_first_estimate_settles_below_it() {
    let shaper = Shaper::start().await;
    shaper.set(Conditions {
        rate_bps: Some(700_000),
        ..Conditions::default()
    });
    let (session, mut events, received, tech) = call_through(&shaper, media_config()).await;
    let mut tallest = 0;
    let (took, settled) = watch_stats(&session, Duration::from_secs(10), |s| {
        tallest = tallest.max(s.link.height);
        s.link.height > 0 && s.link.height < 720
    })
    .await
    .unwrap_or_else(|| panic!("still at 720p after 10 s: {}", line(&session.stats())));
    println!(
        "700 kbit/s from the start: the tallest picture sent was {tallest} lines; down after {took:?}: {}",
        line(&settled)
    );

    stretch(&session, &received, &mut events, Duration::from_secs(3)).await;
    let s = stretch(&session, &received, &mut events, Duration::from_secs(8)).await;
    println!(
        "then: audio {:.1} % arrived, {} pictures decoded, longest freeze {:?}; {}",
        s.audio_arrived * 100.0,
        s.frames_decoded,
        s.longest_freeze,
        line(&session.stats())
    );
    assert!(s.audio_arrived > 0.9, "the voice did not get through");
    assert!(
        s.frames_decoded >= 8 * 10,
        "fewer than 10 pictures a second once settled: {}",
        s.frames_decoded
    );
    assert!(
        s.longest_freeze <= Duration::from_secs(1),
        "the picture froze for {:?} once settled:\n{}",
        s.longest_freeze,
        s.timeline
    );
    session.close().await;
    tech.close().await;
}
