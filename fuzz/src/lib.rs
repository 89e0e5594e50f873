//! What each fuzz target does with one input. libFuzzer calls these from
//! `fuzz/libfuzzer/fuzz_targets/` on nightly (`make fuzz`); `tests/replay.rs` feeds them the
//! committed corpus and every past crash on stable (`make test`), so a crash found once
//! stays fixed. A body panics only on a real defect: a panic in the code under test, or a
//! property that must hold for every input (a decoded message encodes and decodes to
//! itself).

use std::time::Duration;

use lens_core::join::{JoinConfig, parse_join_input};
use lens_core::l10n::{Arg, Texts};
use lens_core::signal::{
    CustomerMessage, JoinRequest, Message, ServerToCustomer, ServerToTechnician, TechnicianMessage,
    decode, encode,
};
use lens_engine::media::pushed::{
    PixelFormat, PushedAudio, PushedH264, PushedVideo, Rotation, VideoFrameLayout,
};
use lens_engine::media::source::{AudioSource, VideoSource};

/// What a target does with one input.
pub type Body = fn(&[u8]);

/// Every target by the name of its folder in `fuzz/corpus/`.
pub const TARGETS: &[(&str, Body)] = &[
    ("join_input", join_input),
    ("signal_customer", signal_customer),
    ("signal_server_to_customer", signal_server_to_customer),
    ("signal_technician", signal_technician),
    ("signal_server_to_technician", signal_server_to_technician),
    ("pushed_video", pushed_video),
    ("pushed_pcm", pushed_pcm),
    ("pushed_h264", pushed_h264),
    ("fluent", fluent),
    ("server_join_body", server_join_body),
    ("server_ws_frame", server_ws_frame),
];

/// Reads the input front to back; past the end every read is zero.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        let Some((&first, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        first
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Up to `n` bytes.
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }

    fn rest(&mut self) -> &'a [u8] {
        self.take(usize::MAX)
    }
}

/// What a customer types or the link that opened the app: a PIN or a refusal, never a
/// panic; a PIN reads back as itself.
pub fn join_input(data: &[u8]) {
    let config = JoinConfig::new(["lens.example.com", "bücher.example"], true)
        .expect("valid configured hosts");
    let input = String::from_utf8_lossy(data);
    if let Ok(pin) = parse_join_input(&input, &config) {
        assert_eq!(pin.as_str().len(), 6, "{input:?} gave {pin:?}");
        let again = parse_join_input(pin.as_str(), &config).expect("a PIN parses as itself");
        assert_eq!(again, pin);
    }
}

/// decode → encode → decode gives the same message.
fn round_trip<M: Message + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(message) = decode::<M>(&text) {
        let encoded = encode(&message);
        let again = decode::<M>(&encoded)
            .unwrap_or_else(|e| panic!("{message:?} encoded as {encoded} does not decode: {e}"));
        assert_eq!(again, message, "{encoded}");
    }
}

pub fn signal_customer(data: &[u8]) {
    round_trip::<CustomerMessage>(data);
}

pub fn signal_server_to_customer(data: &[u8]) {
    round_trip::<ServerToCustomer>(data);
}

pub fn signal_technician(data: &[u8]) {
    round_trip::<TechnicianMessage>(data);
}

pub fn signal_server_to_technician(data: &[u8]) {
    round_trip::<ServerToTechnician>(data);
}

const FORMATS: [PixelFormat; 5] = [
    PixelFormat::I420,
    PixelFormat::Nv12,
    PixelFormat::Nv21,
    PixelFormat::Bgra,
    PixelFormat::Rgba,
];

/// A frame pushed by a shell: any size, format, strides, rotation and plane lengths. A
/// frame that was accepted comes out upright, even-sized and within the planes it claims.
pub fn pushed_video(data: &[u8]) {
    let mut bytes = Bytes(data);
    // Sizes stay small so that an input is a frame, not a memory test; the validation of
    // large sizes against short planes is exercised all the same.
    let layout = VideoFrameLayout {
        width: u32::from(bytes.u16() % 300),
        height: u32::from(bytes.u16() % 300),
        format: FORMATS[usize::from(bytes.u8()) % FORMATS.len()],
        strides: [
            u32::from(bytes.u16()),
            u32::from(bytes.u16()),
            u32::from(bytes.u16()),
        ],
        rotation: Rotation::from_degrees(u32::from(bytes.u8() % 5) * 90).unwrap_or(Rotation::R0),
        timestamp_us: u64::from(bytes.u32()),
        full_range: bytes.u8() & 1 == 1,
    };
    let lengths = [bytes.u16(), bytes.u16()];
    let plane0 = bytes.take(usize::from(lengths[0]) * 4);
    let plane1 = bytes.take(usize::from(lengths[1]));
    let plane2 = bytes.rest();

    let video = PushedVideo::default();
    let mut source = video.attach(Duration::from_millis(33));
    let accepted = video.push(&layout, [plane0, plane1, plane2]).is_ok();
    let frame = source
        .next_frame(Duration::ZERO)
        .expect("a pushed source does not fail");
    match frame {
        Some(frame) => {
            assert!(accepted, "a frame came out of a refused push");
            let (w, h) = match layout.rotation {
                Rotation::R90 | Rotation::R270 => (layout.height, layout.width),
                Rotation::R0 | Rotation::R180 => (layout.width, layout.height),
            };
            assert!(frame.width.abs_diff(w) <= 1 && frame.height.abs_diff(h) <= 1);
            assert!(frame.width % 2 == 0 && frame.height % 2 == 0);
            assert!(frame.y.len() >= frame.y_stride * frame.height as usize);
        }
        None => assert!(!accepted, "an accepted frame did not come out"),
    }
}

/// PCM pushed by a shell: any rate, channel count and length.
pub fn pushed_pcm(data: &[u8]) {
    let mut bytes = Bytes(data);
    let rate = match bytes.u8() % 4 {
        0 => 48_000,
        1 => 44_100,
        2 => 16_000,
        _ => bytes.u32(),
    };
    let channels = u32::from(bytes.u8() % 10);
    let audio = PushedAudio::default();
    let mut source = audio.attach();
    for chunk in bytes.rest().chunks(4096) {
        let _ = audio.push(chunk, rate, channels, 0);
    }
    while let Some(frame) = source
        .next_frame(Duration::ZERO)
        .expect("a pushed source does not fail")
    {
        assert_eq!(
            frame.samples.len(),
            lens_engine::media::source::AUDIO_FRAME_SAMPLES
        );
    }
}

/// An access unit from a platform encoder: any bytes, keyframe or not, any turn.
pub fn pushed_h264(data: &[u8]) {
    let mut bytes = Bytes(data);
    let flags = bytes.u8();
    let keyframe = flags & 1 == 1;
    let rotation =
        [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270][usize::from(flags >> 1 & 3)];
    let h264 = PushedH264::default();
    let _ = h264.push(bytes.rest(), keyframe, 0, rotation);
    let _ = lens_engine::media::pushed::annex_b_nal_types(data).count();
}

thread_local! {
    static FLUENT_TEXTS: std::cell::RefCell<std::collections::HashMap<&'static str, Texts>> =
        std::cell::RefCell::default();
}

/// The app's words with arbitrary languages, message ids and arguments: always some text.
pub fn fluent(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1f}');
    let locale = parts.next().unwrap_or_default();
    let id = parts.next().unwrap_or("on-hold-body");
    let values: Vec<(&str, Arg)> = parts
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|pair| {
            let name = pair[0];
            let value = pair.get(1).copied().unwrap_or_default();
            match value.parse::<i64>() {
                Ok(number) => (name, Arg::Number(number)),
                Err(_) => (name, Arg::Text(value)),
            }
        })
        .collect();
    // Building the bundles (parsing every .ftl) took 99 % of an input's time (about 900
    // inputs a second), and texts are immutable once built: the negotiation runs on every
    // input, the bundles of the language it picks are built once.
    let language = Texts::language_for(&[locale, "de-AT"]);
    let shown = FLUENT_TEXTS.with(|cache| {
        cache
            .borrow_mut()
            .entry(language)
            .or_insert_with(|| Texts::for_language(language))
            .format(id, &values)
    });
    assert!(
        !shown.is_empty() || id.is_empty(),
        "{id:?} rendered as nothing"
    );
}

/// `POST /api/customer/join`'s body through axum's own JSON extractor, then the server's
/// PIN check, as the handler does before any look-up.
pub fn server_join_body(data: &[u8]) {
    use axum::extract::FromRequest;
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(lens_core::signal::JOIN_PATH)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(data.to_vec()))
        .expect("a request");
    let extracted = futures_util::FutureExt::now_or_never(axum::Json::<JoinRequest>::from_request(
        request,
        &(),
    ))
    .expect("an in-memory body is read at once");
    if let Ok(axum::Json(join)) = extracted {
        let shaped = lens_server::http::join::is_pin_shaped(join.pin.trim());
        assert_eq!(
            shaped,
            join.pin.trim().len() == 6 && join.pin.trim().bytes().all(|b| b.is_ascii_digit())
        );
    }
}

/// A WebSocket frame from a customer app or a console, through the server's frame reader:
/// first byte text or binary, the rest the payload.
pub fn server_ws_frame(data: &[u8]) {
    use axum::extract::ws::Message as Frame;
    let mut bytes = Bytes(data);
    let binary = bytes.u8() & 1 == 1;
    let payload = bytes.rest();
    let frame = || {
        if binary {
            Frame::Binary(payload.to_vec().into())
        } else {
            Frame::Text(String::from_utf8_lossy(payload).into_owned().into())
        }
    };
    let _ = lens_server::ws::read::<CustomerMessage>(Some(Ok(frame())));
    let _ = lens_server::ws::read::<TechnicianMessage>(Some(Ok(frame())));
}
