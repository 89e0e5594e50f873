//! A stand-in for a phone shell, for the Chromium tests of pushed media: pushes generated
//! camera frames (or H.264 access units) into a `MediaSession` the way the Android and iOS
//! apps do through the FFI, and answers the engine's camera requests.
//!
//! ```text
//! push_frames [--h264]   # stdin: the answer as one JSON line, then commands; stdout: JSON lines
//! ```
//!
//! Prints `{"type":"offer","sdp":…}`, reads the answer as one JSON line, then reads commands,
//! one a line:
//! - `frames FORMAT ROTATION R G B`: from now on push 640x360 pictures in FORMAT (i420, nv12,
//!   nv21, bgra, rgba), mid grey with an 96x96 marker of colour R,G,B in the buffer's top-left
//!   corner, to be turned ROTATION degrees clockwise; replies `{"type":"pushing",…}`;
//! - `pause` / `resume`: the video control; replies with the state.
//!
//! With `--h264` the pictures are encoded here (openh264 standing in for MediaCodec) and pushed
//! as access units; a keyframe is made only when the engine asks, and every request is printed
//! as `{"type":"request",…}`. As the Android app does, a picture to be turned is encoded as it
//! lies and pushed with its turn while the engine says every receiver turns pictures
//! (`receivers_turn_pictures`), and turned upright before the encoder otherwise.

use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lens_engine::media::codec::{H264Encoder, H264Settings};
use lens_engine::media::pushed::{PixelFormat, Rotation, VideoFrameLayout};
use lens_engine::media::source::{I420Buffer, VideoFrame, turn_upright};
use lens_engine::media::{MediaConfig, MediaSession, ShellRequest, VideoSourceConfig};
use yuv::{
    BufferStoreMut, YuvBiPlanarImageMut, YuvConversionMode, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};

const W: u32 = 640;
const H: u32 = 360;
const MARKER: u32 = 96;
/// Rows padded like a camera's buffers, so the stride handling is exercised.
const PAD: u32 = 64;

#[derive(Clone, Copy)]
struct Mode {
    format: PixelFormat,
    rotation: Rotation,
    colour: [u8; 3],
}

/// One picture in `mode.format`: planes and strides.
fn picture(mode: Mode) -> ([Vec<u8>; 3], [u32; 3]) {
    let stride = (W + PAD) * 4;
    let mut rgba = vec![0u8; (stride * H) as usize];
    for y in 0..H {
        for x in 0..W {
            let [r, g, b] = if x < MARKER && y < MARKER {
                mode.colour
            } else {
                [128, 128, 128]
            };
            let i = (y * stride + x * 4) as usize;
            rgba[i..i + 4].copy_from_slice(&[r, g, b, 255]);
        }
    }
    let (range, matrix, conv) = (
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
        YuvConversionMode::Balanced,
    );
    match mode.format {
        PixelFormat::Rgba => ([rgba, vec![], vec![]], [stride, 0, 0]),
        PixelFormat::Bgra => {
            for px in rgba.chunks_exact_mut(4) {
                px.swap(0, 2);
            }
            ([rgba, vec![], vec![]], [stride, 0, 0])
        }
        PixelFormat::I420 => {
            let (ys, cs) = (W + PAD, (W + PAD) / 2);
            let (mut y, mut u, mut v) = (
                vec![0; (ys * H) as usize],
                vec![0; (cs * H / 2) as usize],
                vec![0; (cs * H / 2) as usize],
            );
            let mut image = YuvPlanarImageMut {
                y_plane: BufferStoreMut::Borrowed(&mut y),
                y_stride: ys,
                u_plane: BufferStoreMut::Borrowed(&mut u),
                u_stride: cs,
                v_plane: BufferStoreMut::Borrowed(&mut v),
                v_stride: cs,
                width: W,
                height: H,
            };
            yuv::rgba_to_yuv420(&mut image, &rgba, stride, range, matrix, conv).expect("I420");
            ([y, u, v], [ys, cs, cs])
        }
        PixelFormat::Nv12 | PixelFormat::Nv21 => {
            let s = W + PAD;
            let (mut y, mut uv) = (vec![0; (s * H) as usize], vec![0; (s * H / 2) as usize]);
            let mut image = YuvBiPlanarImageMut {
                y_plane: BufferStoreMut::Borrowed(&mut y),
                y_stride: s,
                uv_plane: BufferStoreMut::Borrowed(&mut uv),
                uv_stride: s,
                width: W,
                height: H,
            };
            let convert = if mode.format == PixelFormat::Nv12 {
                yuv::rgba_to_yuv_nv12
            } else {
                yuv::rgba_to_yuv_nv21
            };
            convert(&mut image, &rgba, stride, range, matrix, conv).expect("NV12");
            ([y, uv, vec![]], [s, s, 0])
        }
    }
}

fn parse_mode(words: &[&str]) -> Result<Mode, String> {
    let [format, rotation, r, g, b] = words else {
        return Err("frames FORMAT ROTATION R G B".into());
    };
    let format = match *format {
        "i420" => PixelFormat::I420,
        "nv12" => PixelFormat::Nv12,
        "nv21" => PixelFormat::Nv21,
        "bgra" => PixelFormat::Bgra,
        "rgba" => PixelFormat::Rgba,
        other => return Err(format!("unknown format {other}")),
    };
    let rotation = Rotation::from_degrees(rotation.parse().map_err(|e| format!("{e}"))?)
        .map_err(|e| e.to_string())?;
    let c = |s: &str| s.parse::<u8>().map_err(|e| e.to_string());
    Ok(Mode {
        format,
        rotation,
        colour: [c(r)?, c(g)?, c(b)?],
    })
}

fn say(value: serde_json::Value) {
    println!("{value}");
}

/// On the engine's own runtime, built as the apps build it (one worker thread), so that what
/// runs here is what a phone or `lens join` runs; `#[tokio::main]` would start a worker per core.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    lens_engine::runtime::build()?.block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let h264 = std::env::args().any(|a| a == "--h264");
    let video = if h264 {
        VideoSourceConfig::PushedH264 {
            width: W,
            height: H,
            fps: 30,
        }
    } else {
        VideoSourceConfig::Pushed {
            width: W,
            height: H,
            fps: 30,
        }
    };
    let config = MediaConfig {
        bind_ip: "127.0.0.1".parse()?,
        video,
        ..MediaConfig::default()
    };
    let handles = config.handles.clone();
    let mut requests = handles.requests.subscribe();

    let (events_tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(config, true, true, events_tx).await?;
    say(serde_json::json!({ "type": "offer", "sdp": offer }));

    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let answer: serde_json::Value = serde_json::from_str(&lines.recv().await.ok_or("no answer")?)?;
    session
        .apply_answer(answer["sdp"].as_str().ok_or("no sdp")?.to_owned())
        .await?;

    let mode = Arc::new(Mutex::new(Mode {
        format: PixelFormat::I420,
        rotation: Rotation::R0,
        colour: [128, 128, 128],
    }));
    let keyframe_wanted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let (mode, handles, keyframe_wanted) =
            (mode.clone(), handles.clone(), keyframe_wanted.clone());
        // The shell's camera thread: 30 frames a second, whatever the engine does.
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut encoder = H264Encoder::new(H264Settings {
                width: W,
                height: H,
                fps: 30,
                bitrate_bps: 1_000_000,
            })
            .expect("encoder");
            let mut turned = I420Buffer::new(2, 2);
            let mut current: Option<(Mode, [Vec<u8>; 3], [u32; 3])> = None;
            let mut n = 0u64;
            loop {
                let m = *mode.lock().unwrap();
                if current.as_ref().is_none_or(|(c, ..)| {
                    (c.format, c.rotation, c.colour) != (m.format, m.rotation, m.colour)
                }) {
                    let (planes, strides) = picture(m);
                    current = Some((m, planes, strides));
                }
                let (m, planes, strides) = current.as_ref().unwrap();
                let timestamp_us = start.elapsed().as_micros() as u64;
                if h264 {
                    // Stand-in for the platform encoder: I420 in, access units out.
                    let mut buf = I420Buffer::new(W, H);
                    let (mut y, mut u, mut v) = (buf.y.clone(), buf.u.clone(), buf.v.clone());
                    let mut image = YuvPlanarImageMut {
                        y_plane: BufferStoreMut::Borrowed(&mut y),
                        y_stride: W,
                        u_plane: BufferStoreMut::Borrowed(&mut u),
                        u_stride: W / 2,
                        v_plane: BufferStoreMut::Borrowed(&mut v),
                        v_stride: W / 2,
                        width: W,
                        height: H,
                    };
                    let (rgba, _) = picture(Mode {
                        format: PixelFormat::Rgba,
                        ..*m
                    });
                    yuv::rgba_to_yuv420(
                        &mut image,
                        &rgba[0],
                        (W + PAD) * 4,
                        YuvRange::Limited,
                        YuvStandardMatrix::Bt601,
                        YuvConversionMode::Balanced,
                    )
                    .unwrap();
                    (buf.y, buf.u, buf.v) = (y, u, v);
                    let lying = VideoFrame {
                        rotation: m.rotation,
                        ..buf.frame(Instant::now())
                    };
                    let (frame, turn_left) = match handles.h264.receivers_turn_pictures() {
                        true => (lying, m.rotation),
                        false => {
                            turn_upright(&lying, &mut turned).expect("turn");
                            (turned.frame(lying.captured_at), Rotation::R0)
                        }
                    };
                    // A new size (turned or not any more) needs a new encoder, as MediaCodec does.
                    if encoder.size() != (frame.width, frame.height) {
                        encoder = encoder.resized(frame.width, frame.height).expect("encoder");
                    }
                    if keyframe_wanted.swap(false, std::sync::atomic::Ordering::AcqRel) {
                        encoder.force_keyframe();
                    }
                    if let Ok(Some(au)) = encoder.encode(&frame)
                        && let Err(e) =
                            handles
                                .h264
                                .push(&au.data, au.keyframe, timestamp_us, turn_left)
                    {
                        eprintln!("push_h264: {e}");
                    }
                } else {
                    let layout = VideoFrameLayout {
                        width: W,
                        height: H,
                        format: m.format,
                        strides: *strides,
                        rotation: m.rotation,
                        timestamp_us,
                        full_range: false,
                    };
                    if let Err(e) = handles
                        .video
                        .push(&layout, [&planes[0], &planes[1], &planes[2]])
                    {
                        eprintln!("push: {e}");
                    }
                }
                n += 1;
                let due = start + Duration::from_micros(n * 33_333);
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        });
    }

    let mut stats_tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { break };
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.first().copied() {
                    Some("frames") => match parse_mode(&words[1..]) {
                        Ok(m) => {
                            *mode.lock().unwrap() = m;
                            say(serde_json::json!({ "type": "pushing", "command": line }));
                        }
                        Err(e) => say(serde_json::json!({ "type": "error", "message": e })),
                    },
                    Some("pause") => say(serde_json::json!({ "type": "paused", "changed": handles.set_video_paused(true) })),
                    Some("resume") => say(serde_json::json!({ "type": "resumed", "changed": handles.set_video_paused(false) })),
                    Some("quit") => break,
                    _ => say(serde_json::json!({ "type": "error", "message": format!("unknown command {line:?}") })),
                }
            }
            Some(request) = requests.recv() => {
                if request == ShellRequest::KeyframeNeeded {
                    keyframe_wanted.store(true, std::sync::atomic::Ordering::Release);
                }
                say(serde_json::json!({ "type": "request", "request": format!("{request:?}") }));
            }
            _ = stats_tick.tick() => {
                let s = session.stats();
                say(serde_json::json!({
                    "type": "stats",
                    "video_frames_sent": s.video_frames_sent,
                    "audio_frames_sent": s.audio_frames_sent,
                    "keyframe_requests": s.keyframe_requests,
                    "pushed": format!("{:?}", handles.video.stats()),
                }));
            }
        }
    }
    session.close().await;
    Ok(())
}
