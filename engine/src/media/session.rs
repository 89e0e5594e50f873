//! [`MediaSession`]: one peer connection with the customer's camera and microphone, for the
//! lifetime of one support session.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit};
use webrtc::rtp_transceiver::RtpSender;

use super::capture::{self, VideoPath};
use super::codec::OpusEncoder;
use super::config::MediaConfig;
use super::device::DeviceError;
use super::error::MediaError;
use super::link_monitor;
use super::passthrough;
use super::peer::{self, AUDIO_PAYLOAD_TYPE, VIDEO_PAYLOAD_TYPE};
use super::pipeline::{self, Medium};
use super::playback::{self, AudioSink};
use super::source::AudioSource;
use super::stats::{MediaStats, StatsCounters};

/// How long `start` waits for ICE gathering before handing out the offer anyway. Host
/// candidates take milliseconds; this only matters with an unreachable STUN or TURN server,
/// whose candidates then trickle as [`PeerEvent::LocalCandidate`].
const GATHERING_TIMEOUT: Duration = Duration::from_secs(3);

/// What the peer connection reports to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// ICE and DTLS are up; media flows from now on.
    Connected,
    /// Connectivity was lost; ICE may still recover (back to `Connected`) or give up (`Failed`).
    Disconnected,
    Failed,
    Closed,
    /// A local candidate found after the offer was returned (trickle ICE). Host candidates are
    /// always in the offer itself; only slow server-reflexive or relay ones arrive this way.
    LocalCandidate(lens_core::signal::IceCandidate),
    /// A camera or microphone could not be opened or stopped working; the session goes on
    /// with the other track.
    DeviceProblem(DeviceError),
}

/// State shared by the session, the peer connection's handler, the media threads and tasks.
pub(crate) struct Shared {
    /// Taken by `close`: the driver's receiver then ends even if webrtc-rs keeps a closed
    /// connection (and with it this struct) alive.
    events: Mutex<Option<mpsc::UnboundedSender<PeerEvent>>>,
    pub(crate) stats: StatsCounters,
    /// Set when the media threads must end.
    pub(crate) stop: AtomicBool,
    /// Mirrors the peer connection state: encoders only work while this is set.
    pub(crate) connected: AtomicBool,
    pub(crate) keyframe_requests: super::keyframe::KeyframeRequests,
    /// Negotiated payload types, refreshed when the answer is applied.
    pub(crate) video_payload_type: AtomicU8,
    pub(crate) audio_payload_type: AtomicU8,
    pub(crate) gathering_complete: watch::Sender<bool>,
    /// Set once `start` has read the offer SDP: later candidates must trickle.
    pub(crate) offer_returned: AtomicBool,
    /// The mid of the first m-line, which carries every candidate under BUNDLE.
    pub(crate) bundle_mid: OnceLock<String>,
    pub(crate) sink: Arc<dyn AudioSink>,
    /// Tasks started by the peer connection's handler (remote audio), ended by `close`.
    pub(crate) tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The congestion controller's latest estimate of the uplink (see `peer.rs`), read by the
    /// video thread's ladder and by [`MediaSession::target_bitrate_bps`].
    pub(crate) bandwidth_estimate_bps: AtomicU32,
    /// The app's switches (microphone mute).
    pub(crate) controls: super::controls::MediaControls,
    /// Pushed inputs, shell requests and the pause switch of the app's session.
    pub(crate) handles: super::pushed::MediaHandles,
}

impl Shared {
    pub(crate) fn emit(&self, event: PeerEvent) {
        if let Some(events) = &*self.events.lock().expect("events lock") {
            let _ = events.send(event);
        }
    }
}

/// One customer-side media session: a peer connection that sends the camera (H.264) and the
/// microphone (Opus) and plays back the technician's voice.
///
/// Call [`close`](Self::close) to end it. Dropping it without `close` stops capture and asks the
/// connection to close in the background, but cannot promise when the last packet leaves.
pub struct MediaSession {
    pc: Arc<dyn PeerConnection>,
    shared: Arc<Shared>,
    video_sender: Option<Arc<dyn RtpSender>>,
    audio_sender: Option<Arc<dyn RtpSender>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
    closed: bool,
}

impl MediaSession {
    /// Creates the peer connection (its UDP sockets come into existence here, not before),
    /// adds one H.264 video track (send only, if `send_video`) and one Opus audio track (send
    /// and receive, or receive only if `!send_audio`: the technician's voice always comes
    /// back), starts the sources and encoders, and returns the offer SDP once ICE gathering has
    /// completed, so every host candidate is in it.
    ///
    /// Encoders idle until the connection is up; the first frame sent is a keyframe.
    pub async fn start(
        config: MediaConfig,
        send_video: bool,
        send_audio: bool,
        events: mpsc::UnboundedSender<PeerEvent>,
    ) -> Result<(MediaSession, String), MediaError> {
        config.video.validate()?;
        config.audio.validate()?;

        // Everything that can fail for a local reason fails before a socket exists. A
        // camera or microphone that cannot be opened only drops its track.
        let mut device_problems = Vec::new();
        let video = match send_video {
            true => usable(capture::open_video(&config)?, &mut device_problems),
            false => None,
        };
        let audio = match send_audio {
            true => usable(capture::open_audio(&config)?, &mut device_problems),
            false => None,
        };
        // Without a working sound card the customer cannot hear the technician, but the
        // technician can still see and hear the customer: go on rather than fail the session.
        let sink = playback::open(config.playback, &config.controls).unwrap_or_else(|error| {
            tracing::warn!(%error, "the technician's voice cannot be played; continuing without playback");
            Arc::new(playback::NullSink) as Arc<dyn AudioSink>
        });

        let (gathering_complete, mut gathering_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            events: Mutex::new(Some(events)),
            stats: StatsCounters::default(),
            stop: AtomicBool::new(false),
            connected: AtomicBool::new(false),
            keyframe_requests: Default::default(),
            video_payload_type: AtomicU8::new(VIDEO_PAYLOAD_TYPE),
            audio_payload_type: AtomicU8::new(AUDIO_PAYLOAD_TYPE),
            gathering_complete,
            offer_returned: AtomicBool::new(false),
            bundle_mid: OnceLock::new(),
            sink,
            tasks: Mutex::new(Vec::new()),
            bandwidth_estimate_bps: AtomicU32::new(peer::INITIAL_ESTIMATE_BPS),
            controls: config.controls.clone(),
            handles: config.handles.clone(),
        });
        // Queued before the offer exists: the driver hands them on once media has started.
        for problem in device_problems {
            shared.emit(PeerEvent::DeviceProblem(problem));
        }

        let pc = peer::build(&config, Arc::clone(&shared)).await?;
        let monitor = tokio::spawn(link_monitor::run(Arc::clone(&pc), Arc::clone(&shared)));
        let mut session = MediaSession {
            pc,
            shared,
            video_sender: None,
            audio_sender: None,
            threads: Vec::new(),
            tasks: vec![monitor],
            closed: false,
        };
        // From here on a failure must also tear down the connection.
        match session.negotiate(video, audio, &mut gathering_rx).await {
            Ok(offer) => Ok((session, offer)),
            Err(error) => {
                session.close().await;
                Err(error)
            }
        }
    }

    async fn negotiate(
        &mut self,
        video: Option<VideoPath>,
        audio: Option<(Box<dyn AudioSource>, OpusEncoder)>,
        gathering_rx: &mut watch::Receiver<bool>,
    ) -> Result<String, MediaError> {
        // Video first, audio second: one m-line order for every session the console sees.
        if let Some(path) = video {
            let (track, ssrc) = local_track(RtpCodecKind::Video, peer::video_codec())?;
            let sender = self
                .add_track(&track, RTCRtpTransceiverDirection::Sendonly)
                .await?;
            self.tasks.push(tokio::spawn(count_keyframe_requests(
                Arc::clone(&track),
                Arc::clone(&self.shared),
            )));
            let (thread, frames) = match path {
                VideoPath::Encode(source, encoder) => {
                    pipeline::spawn_video(source, *encoder, Arc::clone(&self.shared))?
                }
                VideoPath::Passthrough(source, target_bps) => {
                    passthrough::spawn(source, target_bps, Arc::clone(&self.shared))?
                }
            };
            self.threads.push(thread);
            self.tasks.push(tokio::spawn(pipeline::write_frames(
                track,
                ssrc,
                Medium::Video,
                Arc::clone(&self.shared),
                frames,
            )));
            self.video_sender = Some(sender);
        }
        if let Some((source, encoder)) = audio {
            let (track, ssrc) = local_track(RtpCodecKind::Audio, peer::audio_codec())?;
            let sender = self
                .add_track(&track, RTCRtpTransceiverDirection::Sendrecv)
                .await?;
            let (thread, frames) =
                pipeline::spawn_audio(source, encoder, Arc::clone(&self.shared))?;
            self.threads.push(thread);
            self.tasks.push(tokio::spawn(pipeline::write_frames(
                track,
                ssrc,
                Medium::Audio,
                Arc::clone(&self.shared),
                frames,
            )));
            self.audio_sender = Some(sender);
        } else {
            self.pc
                .add_transceiver_from_kind(
                    RtpCodecKind::Audio,
                    Some(RTCRtpTransceiverInit {
                        direction: RTCRtpTransceiverDirection::Recvonly,
                        ..Default::default()
                    }),
                )
                .await
                .map_err(MediaError::webrtc("add audio receiver"))?;
        }

        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(MediaError::webrtc("create offer"))?;
        self.pc
            .set_local_description(offer)
            .await
            .map_err(MediaError::webrtc("set local description"))?;
        if let Some(transceiver) = self.pc.get_transceivers().await.first()
            && let Ok(Some(mid)) = transceiver.mid().await
        {
            let _ = self.shared.bundle_mid.set(mid);
        }

        // The local description only lists candidates gathered so far.
        // `is_ok()` at once: the guard `wait_for` returns must not live across an await, or
        // this future stops being `Send`.
        let gathered = tokio::time::timeout(
            GATHERING_TIMEOUT,
            gathering_rx.wait_for(|complete| *complete),
        )
        .await
        .is_ok_and(|changed| changed.is_ok());
        if !gathered {
            tracing::info!("ICE gathering still running; remaining candidates will trickle");
        }
        // Before reading the SDP: a candidate found in between is then sent twice rather than
        // never, and a duplicate candidate is harmless.
        self.shared.offer_returned.store(true, Ordering::Release);
        let description = self.pc.local_description().await.ok_or_else(|| {
            MediaError::InvalidConfig("the peer connection has no local description".into())
        })?;
        Ok(description.sdp)
    }

    async fn add_track(
        &self,
        track: &Arc<TrackLocalStaticSample>,
        direction: RTCRtpTransceiverDirection,
    ) -> Result<Arc<dyn RtpSender>, MediaError> {
        let transceiver = self
            .pc
            .add_transceiver_from_track(
                Arc::clone(track) as Arc<dyn TrackLocal>,
                Some(RTCRtpTransceiverInit {
                    direction,
                    ..Default::default()
                }),
            )
            .await
            .map_err(MediaError::webrtc("add track"))?;
        transceiver
            .sender()
            .await
            .map_err(MediaError::webrtc("add track"))?
            .ok_or_else(|| MediaError::InvalidConfig("a sending transceiver has no sender".into()))
    }

    /// Applies the technician's SDP answer; media starts once ICE and DTLS complete
    /// ([`PeerEvent::Connected`]).
    pub async fn apply_answer(&self, sdp: String) -> Result<(), MediaError> {
        let answer = RTCSessionDescription::answer(sdp)
            .map_err(|e| MediaError::InvalidAnswer(e.to_string()))?;
        self.pc
            .set_remote_description(answer)
            .await
            .map_err(|e| MediaError::InvalidAnswer(e.to_string()))?;
        // A receiver may renumber payload types in its answer; send what it will recognise.
        for (sender, slot) in [
            (&self.video_sender, &self.shared.video_payload_type),
            (&self.audio_sender, &self.shared.audio_payload_type),
        ] {
            let Some(sender) = sender else { continue };
            let parameters = sender
                .get_parameters()
                .await
                .map_err(MediaError::webrtc("read negotiated codecs"))?;
            match parameters.rtp_parameters.codecs.first() {
                Some(codec) => slot.store(codec.payload_type, Ordering::Relaxed),
                None => {
                    return Err(MediaError::InvalidAnswer(
                        "the answer accepts none of the offered codecs for a sending track".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds a candidate the technician's browser trickled. An empty candidate (the browser's
    /// end-of-candidates marker) is accepted and ignored.
    pub async fn add_remote_candidate(
        &self,
        candidate: lens_core::signal::IceCandidate,
    ) -> Result<(), MediaError> {
        if candidate.candidate.trim().is_empty() {
            return Ok(());
        }
        self.pc
            .add_ice_candidate(RTCIceCandidateInit {
                candidate: candidate.candidate,
                sdp_mid: candidate.sdp_mid,
                sdp_mline_index: candidate.sdp_mline_index,
                username_fragment: None,
                url: None,
            })
            .await
            .map_err(|e| MediaError::InvalidCandidate(e.to_string()))
    }

    /// A cheap snapshot of the counters; safe to call at any rate.
    pub fn stats(&self) -> MediaStats {
        self.shared.stats.snapshot()
    }

    /// The bitrate the video encoder is asked for now, in bit/s: the congestion controller's
    /// estimate less the audio reserve, capped by the resolution ladder's rung. A source that
    /// encodes elsewhere (a shell's hardware encoder, see passthrough) should be given this
    /// whenever it changes; 0 before the video thread has set it.
    pub fn target_bitrate_bps(&self) -> u32 {
        self.shared.stats.video_target_bps.load(Ordering::Relaxed)
    }

    /// The congestion controller's current estimate of the whole uplink, in bit/s.
    pub fn bandwidth_estimate_bps(&self) -> u32 {
        self.shared.bandwidth_estimate_bps.load(Ordering::Relaxed)
    }

    /// Stops capture and encoding, closes the peer connection and waits for the media threads
    /// to end. When it returns, the sockets are closed: no packet leaves after this.
    pub async fn close(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        // Capture first: the camera is what the customer cares about.
        self.shared.stop.store(true, Ordering::Release);
        self.shared.connected.store(false, Ordering::Release);
        for task in self.tasks.drain(..) {
            task.abort();
        }
        // `close` stops the driver task that owns the sockets, and waits for it.
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "closing the peer connection");
        }
        self.shared.events.lock().expect("events lock").take();
        let handler_tasks = std::mem::take(&mut *self.shared.tasks.lock().expect("task list lock"));
        for task in handler_tasks {
            task.abort();
        }
        let threads = std::mem::take(&mut self.threads);
        // The threads notice `stop` within one source poll (50 ms) plus one encode.
        let joined = tokio::task::spawn_blocking(move || {
            for thread in threads {
                let _ = thread.join();
            }
        });
        let _ = joined.await;
    }
}

impl Drop for MediaSession {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        self.shared.stop.store(true, Ordering::Release);
        self.shared.connected.store(false, Ordering::Release);
        for task in self.tasks.drain(..) {
            task.abort();
        }
        for task in std::mem::take(&mut *self.shared.tasks.lock().expect("task list lock")) {
            task.abort();
        }
        self.shared.events.lock().expect("events lock").take();
        // webrtc-rs keeps the connection's driver running after a drop; only `close` ends it.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pc = Arc::clone(&self.pc);
            runtime.spawn(async move {
                let _ = pc.close().await;
            });
        }
    }
}

/// The opened path, or `None` with the device's problem noted for the technician.
fn usable<T>(opened: Result<T, DeviceError>, problems: &mut Vec<DeviceError>) -> Option<T> {
    match opened {
        Ok(path) => Some(path),
        Err(error) => {
            tracing::warn!(%error, "going on without this device");
            problems.push(error);
            None
        }
    }
}

/// A sample track with one encoding and a random SSRC.
fn local_track(
    kind: RtpCodecKind,
    codec: rtc::rtp_transceiver::rtp_sender::RTCRtpCodec,
) -> Result<(Arc<TrackLocalStaticSample>, u32), MediaError> {
    let ssrc = random_u32();
    let track = MediaStreamTrack::new(
        "lens".to_owned(),
        format!("lens-{kind}"),
        format!("lens-{kind}"),
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec,
            ..Default::default()
        }],
    );
    let track = TrackLocalStaticSample::new(Instant::now(), track)
        .map_err(MediaError::webrtc("create track"))?;
    Ok((Arc::new(track), ssrc))
}

/// SSRCs only need to differ between streams of one session; the standard library's
/// randomly keyed hasher is random enough without another dependency.
fn random_u32() -> u32 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish() as u32
}

/// Reads the RTCP that the keyframe forwarder lets through for the video track and hands
/// PLI/FIR to the video thread.
async fn count_keyframe_requests(track: Arc<TrackLocalStaticSample>, shared: Arc<Shared>) {
    while let Some(event) = track.poll().await {
        let TrackLocalEvent::OnRtcpPacket(packets) = event else {
            continue;
        };
        let requests = packets
            .iter()
            .filter(|p| peer::is_keyframe_request(p.as_ref()))
            .count();
        for _ in 0..requests {
            StatsCounters::bump(&shared.stats.keyframe_requests);
        }
        if requests > 0 {
            shared.keyframe_requests.request();
        }
    }
}
