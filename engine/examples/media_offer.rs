//! Runs one `MediaSession` by hand, for trying a real receiver (a browser page, aiortc).
//!
//! ```text
//! unshare -n sh -c 'ip link set lo up; exec cargo run -p lens-engine --example media_offer -- 30 > offer.json < answer.json'
//! ```
//!
//! Prints the offer as `{"type":"offer","sdp":…}` on stdout, reads the answer (the same JSON,
//! or bare SDP) from stdin until EOF, then prints the media counters every second on stderr
//! for the given number of seconds (default 20) and closes. Binds 127.0.0.1 unless
//! `LENS_BIND_IP` says otherwise; `LENS_PLAYBACK=device` plays the remote audio.

use std::io::Read;
use std::time::Duration;

use lens_engine::media::{MediaConfig, MediaSession, PeerEvent, PlaybackConfig};

/// On the engine's own runtime, built as the apps build it (one worker thread), so that what
/// runs here is what a phone or `lens join` runs; `#[tokio::main]` would start a worker per core.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    lens_engine::runtime::build()?.block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20);
    let config = MediaConfig {
        bind_ip: std::env::var("LENS_BIND_IP")
            .unwrap_or_else(|_| "127.0.0.1".into())
            .parse()?,
        playback: match std::env::var("LENS_PLAYBACK").as_deref() {
            Ok("device") => PlaybackConfig::Device,
            _ => PlaybackConfig::Null,
        },
        ..MediaConfig::default()
    };

    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, true, events_tx).await?;
    println!("{}", serde_json::json!({ "type": "offer", "sdp": offer }));

    let input = tokio::task::spawn_blocking(|| {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input).map(|_| input)
    })
    .await??;
    let answer = match serde_json::from_str::<serde_json::Value>(&input) {
        Ok(json) => json["sdp"]
            .as_str()
            .ok_or("the answer JSON has no \"sdp\"")?
            .to_owned(),
        Err(_) => input,
    };
    session.apply_answer(answer).await?;

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let deadline = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            _ = tick.tick() => eprintln!("{:?}", session.stats()),
            Some(event) = events.recv() => {
                eprintln!("peer: {event:?}");
                if matches!(event, PeerEvent::Failed | PeerEvent::Closed) {
                    break;
                }
            }
        }
    }
    session.close().await;
    Ok(())
}
