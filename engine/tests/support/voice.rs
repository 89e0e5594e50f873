//! The technician's voice and the customer's loudspeaker in the engine's tests: a technician
//! talks into a webrtc-rs track in real time (a tone, or a quiet open microphone), and the
//! customer's playback is pulled as a phone's audio callback pulls it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;

use super::customer::on_loopback;
use super::technician::opus_parameters;
use lens_engine::media::source::SineTone;
use lens_engine::media::{MediaConfig, MediaControls, PlaybackConfig, VideoSourceConfig};

/// 20 ms at 48 kHz, the frame every voice here is sent in.
const FRAME_SAMPLES: usize = 960;
/// 10 ms at 48 kHz, what the loudspeaker pulls at a time.
const PULL_SAMPLES: usize = 480;

/// A customer on loopback with a small synthetic camera and tone, whose playback is pulled
/// (`MediaControls::pull_playback`) as a phone's audio callback pulls it.
pub fn phone_call_config() -> MediaConfig {
    MediaConfig {
        playback: PlaybackConfig::Pulled,
        ..on_loopback(VideoSourceConfig::Synthetic {
            width: 320,
            height: 240,
            fps: 30,
        })
    }
}

/// A technician's Opus track with its own SSRC, to answer with.
pub fn voice_track(ssrc: u32) -> Arc<TrackLocalStaticSample> {
    Arc::new(
        TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                format!("technician-{ssrc}"),
                format!("voice-{ssrc}"),
                format!("voice-{ssrc}"),
                RtpCodecKind::Audio,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec: opus_parameters().rtp_codec,
                    ..Default::default()
                }],
            ),
        )
        .unwrap(),
    )
}

/// A technician's microphone: each call to [`Voice::say`] sends the next 20 ms, a tone at
/// about -14 dBFS or silence (the microphone open in a quiet room). Encoded as a browser does,
/// without DTX: the customer's own voice profile has DTX on, and its voice detector would take
/// a steady tone for background noise and send it as silence.
pub struct Voice {
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    tone: SineTone,
    encoder: opus::Encoder,
}

impl Voice {
    pub fn new(track: Arc<TrackLocalStaticSample>, ssrc: u32, frequency_hz: f32) -> Self {
        Self {
            track,
            ssrc,
            tone: SineTone::new(frequency_hz),
            encoder: opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip)
                .unwrap(),
        }
    }

    pub async fn say(&mut self, talking: bool) {
        let silence = [0i16; FRAME_SAMPLES];
        let pcm = match talking {
            true => self.tone.render(),
            false => &silence[..],
        };
        let mut packet = [0u8; 1500];
        let len = self.encoder.encode(pcm, &mut packet).unwrap();
        let sample = Sample {
            data: bytes::Bytes::copy_from_slice(&packet[..len]),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now())
        };
        let _ = self.track.write_sample(self.ssrc, 111, &sample, &[]).await;
    }
}

/// Talks in real time, a frame each 20 ms for as long as the task runs: the tone throughout,
/// or silence throughout.
pub async fn speak(mut voice: Voice, talking: bool) {
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    loop {
        ticker.tick().await;
        voice.say(talking).await;
    }
}

/// The customer's loudspeaker: pulls 10 ms every 10 ms and keeps the RMS of each (full scale
/// 1.0) with the moment it was pulled.
#[derive(Clone)]
pub struct Loudspeaker {
    heard: Arc<Mutex<Vec<(Instant, f32)>>>,
    stalled_until: Arc<Mutex<Option<Instant>>>,
}

impl Loudspeaker {
    pub fn listen(controls: MediaControls) -> Self {
        let loudspeaker = Self {
            heard: Arc::new(Mutex::new(Vec::new())),
            stalled_until: Arc::new(Mutex::new(None)),
        };
        let this = loudspeaker.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_millis(10));
            let mut pulled = [0i16; PULL_SAMPLES];
            loop {
                ticker.tick().await;
                if this
                    .stalled_until
                    .lock()
                    .unwrap()
                    .is_some_and(|t| Instant::now() < t)
                {
                    continue;
                }
                controls.pull_playback(&mut pulled);
                this.heard
                    .lock()
                    .unwrap()
                    .push((Instant::now(), mean_square(&pulled).sqrt()));
            }
        });
        loudspeaker
    }

    /// Pulls nothing for `stall`, as a phone's audio output does while it moves to a headset.
    pub fn stall(&self, stall: Duration) {
        *self.stalled_until.lock().unwrap() = Some(Instant::now() + stall);
    }

    /// Each 10 ms pulled so far: when, and its RMS.
    pub fn heard(&self) -> Vec<(Instant, f32)> {
        self.heard.lock().unwrap().clone()
    }

    /// The RMS of each 100 ms pulled so far.
    pub fn levels_per_100_ms(&self) -> Vec<f32> {
        self.heard
            .lock()
            .unwrap()
            .chunks_exact(10)
            .map(|tenth| (tenth.iter().map(|(_, rms)| rms * rms).sum::<f32>() / 10.0).sqrt())
            .collect()
    }
}

fn mean_square(pcm: &[i16]) -> f32 {
    let sum: f64 = pcm.iter().map(|&s| (f64::from(s) / 32768.0).powi(2)).sum();
    (sum / pcm.len() as f64) as f32
}
