//! The customer's side of a phone whose hardware encoder (MediaCodec, VideoToolbox) makes the
//! H.264, for the side-by-side benchmark: what the engine itself costs on the phone path.
//!
//! ```text
//! hardware_encoder_shell   # stdout: the offer as one JSON line; stdin: the answer as one
//! ```
//!
//! Before anything is measured it encodes five seconds of the synthetic camera at 1280x720@30,
//! 2.5 Mbit/s (openh264 standing in for the phone's encoder chip, which costs the phone's CPU
//! next to nothing), then pushes those access units in a loop at 30 a second through
//! `PushedH264`, as a shell does from its encoder's output callback. The loop starts from its
//! IDR every five seconds and whenever the engine asks for a keyframe. The microphone is the
//! engine's synthetic one, encoded with Opus in the engine as on a phone.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use lens_engine::media::codec::{H264Encoder, H264Settings};
use lens_engine::media::source::{Rotation, TestPattern};
use lens_engine::media::{MediaConfig, MediaSession, ShellRequest, VideoSourceConfig};

const W: u32 = 1280;
const H: u32 = 720;
const FPS: u32 = 30;
const FRAMES: u64 = 150;

/// On the engine's own runtime, built as the apps build it (one worker thread), so that what
/// runs here is what a phone or `lens join` runs; `#[tokio::main]` would start a worker per core.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    lens_engine::runtime::build()?.block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut pattern = TestPattern::new(W, H, FPS);
    let mut encoder = H264Encoder::new(H264Settings {
        width: W,
        height: H,
        fps: FPS,
        bitrate_bps: 2_500_000,
    })?;
    let t0 = Instant::now();
    let mut units: Vec<(Bytes, bool)> = Vec::new();
    for n in 0..FRAMES {
        let at = t0 + Duration::from_micros(n * 1_000_000 / u64::from(FPS));
        if let Some(unit) = encoder.encode(&pattern.render(n).frame(at))? {
            units.push((unit.data, unit.keyframe));
        }
    }
    if units.first().is_none_or(|(_, keyframe)| !keyframe) {
        return Err("the recording does not start with an IDR".into());
    }

    let config = MediaConfig {
        bind_ip: "127.0.0.1".parse()?,
        video: VideoSourceConfig::PushedH264 {
            width: W,
            height: H,
            fps: FPS,
        },
        ..MediaConfig::default()
    };
    let handles = config.handles.clone();
    let mut requests = handles.requests.subscribe();
    let (events_tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, true, events_tx).await?;
    println!("{}", serde_json::json!({ "type": "offer", "sdp": offer }));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer: serde_json::Value = serde_json::from_str(&answer)?;
    session
        .apply_answer(
            answer["sdp"]
                .as_str()
                .ok_or("no sdp in the answer")?
                .to_owned(),
        )
        .await?;

    let restart = Arc::new(AtomicBool::new(false));
    {
        let restart = Arc::clone(&restart);
        tokio::spawn(async move {
            while let Some(request) = requests.recv().await {
                if request == ShellRequest::KeyframeNeeded {
                    restart.store(true, Ordering::Release);
                }
            }
        });
    }
    // The encoder's output callback: one access unit every frame interval.
    let h264 = handles.h264.clone();
    let pusher = std::thread::spawn(move || {
        let start = Instant::now();
        let mut index = 0;
        for n in 1u64.. {
            if restart.swap(false, Ordering::AcqRel) || index == units.len() {
                index = 0;
            }
            let (data, keyframe) = &units[index];
            index += 1;
            // Recorded upright: no turn left for the receiver.
            let at = start.elapsed().as_micros() as u64;
            if let Err(error) = h264.push(data, *keyframe, at, Rotation::R0) {
                eprintln!("push_h264: {error}");
            }
            let due = start + Duration::from_micros(n * 1_000_000 / u64::from(FPS));
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    });
    // Runs until the benchmark kills it.
    tokio::task::spawn_blocking(move || pusher.join())
        .await?
        .ok();
    session.close().await;
    Ok(())
}
