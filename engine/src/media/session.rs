//! [`MediaSession`]: one peer connection with the customer's camera and microphone, for the
//! lifetime of one support session.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::peer_connection::PeerConnection;
use webrtc::rtp_transceiver::RtpSender;

use super::capture::{self, VideoPath};
use super::codec::OpusEncoder;
use super::config::MediaConfig;
use super::controls::MediaControls;
use super::device::DeviceError;
use super::error::MediaError;
use super::estimate::{BandwidthEstimate, EncoderEstimate};
use super::events::{EventSender, PeerEvent};
use super::net::link_monitor::{self, MonitorLinks};
use super::net::peer::{
    self, AUDIO_PAYLOAD_TYPE, Gathering, Negotiation, PeerLinks, TaskList, VIDEO_PAYLOAD_TYPE,
};
use super::pushed::MediaHandles;
use super::recv::mixer::Mixer;
use super::recv::playback;
use super::recv::sink::{AudioSink, NullSink};
use super::run_state::RunState;
use super::send::audio::{self, AudioLinks, AudioRoutes};
use super::send::frame::EncodedFrame;
use super::send::keyframe::KeyframeRequests;
use super::send::passthrough::{self, PassthroughLinks};
use super::send::track::{count_keyframe_requests, local_track};
use super::send::video::{self, VideoLinks};
use super::send::writer::{Medium, Negotiated, Outlet, Outlets, write_frames};
use super::source::AudioSource;
use super::stats::{MediaStats, StatsCounters};

mod collaborator;
pub(crate) mod negotiation;

use collaborator::Collaborator;

/// How long `start` waits for ICE gathering before handing out the offer anyway. Host
/// candidates take milliseconds; this only matters with an unreachable STUN or TURN server,
/// whose candidates then trickle as [`PeerEvent::LocalCandidate`].
const GATHERING_TIMEOUT: Duration = Duration::from_secs(3);

/// One customer-side media session: a peer connection that sends the camera (H.264) and the
/// microphone (Opus) and plays back the technician's voice.
///
/// Call [`close`](Self::close) to end it. Dropping it without `close` stops capture and asks the
/// connection to close in the background, but cannot promise when the last packet leaves.
pub struct MediaSession {
    pc: Arc<dyn PeerConnection>,
    /// The handles the session gives its parts, each part only those it uses.
    links: Links,
    video_sender: Option<Arc<dyn RtpSender>>,
    audio_sender: Option<Arc<dyn RtpSender>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
    /// The collaborating technicians' connections, by peer id (seed 004).
    collaborators: std::collections::HashMap<String, Collaborator>,
    closed: bool,
}

/// Every handle the session's parts share; the wiring below hands each part its few.
struct Links {
    events: Arc<EventSender>,
    run: Arc<RunState>,
    stats: Arc<StatsCounters>,
    estimate: BandwidthEstimate,
    gathering: Arc<Gathering>,
    keyframe_requests: Arc<KeyframeRequests>,
    negotiated: Arc<Negotiated>,
    /// Tasks started by the peer connection's handler (remote audio), ended by `close`.
    handler_tasks: Arc<TaskList>,
    controls: MediaControls,
    handles: MediaHandles,
    /// Every technician's track per medium: each encoded frame goes to all of them.
    video_outlets: Outlets,
    audio_outlets: Outlets,
    /// The lowest of the technicians' estimates, which the one encoder follows.
    encoder_estimate: EncoderEstimate,
    /// The technicians' voices into the one playback, and into each other's streams.
    mixer: Arc<Mixer>,
    /// The collaborators' own audio streams (mix-minus, see `send/audio.rs`).
    audio_routes: AudioRoutes,
}

/// The wiring: each part gets only the handles it uses.
impl Links {
    fn peer(&self) -> PeerLinks {
        PeerLinks {
            events: Arc::clone(&self.events),
            run: Arc::clone(&self.run),
            stats: Arc::clone(&self.stats),
            estimate: self.estimate.clone(),
            gathering: Arc::clone(&self.gathering),
            sink: self.mixer.input(None),
            tasks: Arc::clone(&self.handler_tasks),
            keyframe_on_connect: None,
        }
    }

    fn monitor(&self) -> MonitorLinks {
        MonitorLinks {
            run: Arc::clone(&self.run),
            stats: Arc::clone(&self.stats),
            estimate: self.estimate.clone(),
        }
    }

    fn video(&self) -> VideoLinks {
        VideoLinks {
            run: Arc::clone(&self.run),
            events: Arc::clone(&self.events),
            stats: Arc::clone(&self.stats),
            keyframe_requests: Arc::clone(&self.keyframe_requests),
            pause: self.handles.clone(),
            estimate: self.encoder_estimate.clone(),
            outlets: self.video_outlets.clone(),
        }
    }

    fn passthrough(&self) -> PassthroughLinks {
        PassthroughLinks {
            run: Arc::clone(&self.run),
            stats: Arc::clone(&self.stats),
            keyframe_requests: Arc::clone(&self.keyframe_requests),
            shell: self.handles.clone(),
            outlets: self.video_outlets.clone(),
        }
    }

    fn audio(&self) -> AudioLinks {
        AudioLinks {
            run: Arc::clone(&self.run),
            events: Arc::clone(&self.events),
            stats: Arc::clone(&self.stats),
            controls: self.controls.clone(),
            mixer: Arc::clone(&self.mixer),
            routes: self.audio_routes.clone(),
        }
    }
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
        Self::start_negotiated(
            config,
            send_video,
            send_audio,
            Negotiation::default(),
            events,
        )
        .await
    }

    /// [`start`](Self::start) as `negotiation` asks: a trickling session returns its offer
    /// as soon as it is made (no candidate in it) and reports every candidate as
    /// [`PeerEvent::LocalCandidate`], so an unreachable STUN or TURN server never delays it.
    pub async fn start_negotiated(
        config: MediaConfig,
        send_video: bool,
        send_audio: bool,
        negotiation: Negotiation,
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
            Arc::new(NullSink) as Arc<dyn AudioSink>
        });

        let (gathering, mut gathering_rx) = Gathering::new(negotiation);
        let estimate = BandwidthEstimate::new(peer::INITIAL_ESTIMATE_BPS);
        let links = Links {
            events: Arc::new(EventSender::new(events)),
            run: Arc::default(),
            stats: Arc::default(),
            encoder_estimate: EncoderEstimate::new(estimate.clone()),
            estimate,
            video_outlets: Outlets::default(),
            audio_outlets: Outlets::default(),
            mixer: Mixer::new(sink),
            audio_routes: AudioRoutes::default(),
            gathering,
            keyframe_requests: Arc::default(),
            negotiated: Arc::new(Negotiated::new(VIDEO_PAYLOAD_TYPE, AUDIO_PAYLOAD_TYPE)),
            handler_tasks: Arc::default(),
            controls: config.controls.clone(),
            handles: config.handles.clone(),
        };
        // Queued before the offer exists: the driver hands them on once media has started.
        for problem in device_problems {
            links.events.emit(PeerEvent::DeviceProblem(problem));
        }

        let pc = peer::build(&config, links.peer(), peer::INITIAL_ESTIMATE_BPS).await?;
        let monitor = tokio::spawn(link_monitor::run(Arc::clone(&pc), links.monitor()));
        let mut tasks = vec![monitor];
        tasks.extend(peer::check_turn_servers(&config, &links.events));
        let mut session = MediaSession {
            pc,
            links,
            video_sender: None,
            audio_sender: None,
            threads: Vec::new(),
            tasks,
            collaborators: Default::default(),
            closed: false,
        };
        // From here on a failure must also tear down the connection.
        let wait = match negotiation.trickle {
            true => None,
            false => Some(&mut gathering_rx),
        };
        match session.negotiate(video, audio, wait).await {
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
        gathering: Option<&mut watch::Receiver<bool>>,
    ) -> Result<String, MediaError> {
        // Video first, audio second: one m-line order for every session the console sees.
        if let Some(path) = video {
            let (track, ssrc) = local_track(RtpCodecKind::Video, peer::video_codec())?;
            let sender = self
                .add_track(&track, RTCRtpTransceiverDirection::Sendonly)
                .await?;
            self.tasks.push(tokio::spawn(count_keyframe_requests(
                Arc::clone(&track),
                Arc::clone(&self.links.stats),
                Arc::clone(&self.links.keyframe_requests),
            )));
            let links = &self.links;
            let (thread, frames) = match path {
                VideoPath::Encode(source, encoder) => {
                    video::spawn(source, *encoder, links.video())?
                }
                VideoPath::Passthrough(source, target_bps) => {
                    passthrough::spawn(source, target_bps, links.passthrough())?
                }
            };
            self.spawn_writer(thread, track, ssrc, Medium::Video, frames);
            self.video_sender = Some(sender);
        }
        if let Some((source, encoder)) = audio {
            let (track, ssrc) = local_track(RtpCodecKind::Audio, peer::audio_codec())?;
            let sender = self
                .add_track(&track, RTCRtpTransceiverDirection::Sendrecv)
                .await?;
            let (thread, frames) = audio::spawn(source, encoder, self.links.audio())?;
            self.spawn_writer(thread, track, ssrc, Medium::Audio, frames);
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

        negotiation::set_offer(self.pc.as_ref(), &self.links.gathering).await?;

        if let Some(gathering_rx) = gathering {
            // The local description only lists candidates gathered so far.
            // `is_ok()` at once: the guard `wait_for` returns must not live across an await,
            // or this future stops being `Send`.
            let gathered = tokio::time::timeout(
                GATHERING_TIMEOUT,
                gathering_rx.wait_for(|complete| *complete),
            )
            .await
            .is_ok_and(|changed| changed.is_ok());
            if !gathered {
                tracing::info!("ICE gathering still running; remaining candidates will trickle");
            }
            // Before reading the SDP: a candidate found in between is then sent twice rather
            // than never, and a duplicate candidate is harmless.
            self.links.gathering.offer_returned();
        }
        self.local_sdp().await
    }

    /// Keeps a send thread for `close` and starts the task that writes its frames to `track`.
    fn spawn_writer(
        &mut self,
        thread: std::thread::JoinHandle<()>,
        track: Arc<TrackLocalStaticSample>,
        ssrc: u32,
        medium: Medium,
        frames: mpsc::Receiver<EncodedFrame>,
    ) {
        self.threads.push(thread);
        let outlets = match medium {
            Medium::Video => &self.links.video_outlets,
            Medium::Audio => &self.links.audio_outlets,
        };
        outlets.add(Outlet {
            peer: None,
            track,
            ssrc,
            negotiated: Arc::clone(&self.links.negotiated),
            // The lead's encoder starts with a keyframe once its connection is up.
            awaiting_keyframe: Arc::default(),
        });
        self.tasks.push(tokio::spawn(write_frames(
            outlets.clone(),
            medium,
            Arc::clone(&self.links.stats),
            frames,
        )));
    }

    async fn add_track(
        &self,
        track: &Arc<TrackLocalStaticSample>,
        direction: RTCRtpTransceiverDirection,
    ) -> Result<Arc<dyn RtpSender>, MediaError> {
        negotiation::add_track(self.pc.as_ref(), track, direction).await
    }

    /// A cheap snapshot of the counters; safe to call at any rate.
    pub fn stats(&self) -> MediaStats {
        self.links.stats.snapshot()
    }

    /// The bitrate the video encoder is asked for now, in bit/s: the congestion controller's
    /// estimate less the audio reserve, capped by the resolution ladder's rung. A source that
    /// encodes elsewhere (a shell's hardware encoder, see passthrough) should be given this
    /// whenever it changes; 0 before the video thread has set it.
    pub fn target_bitrate_bps(&self) -> u32 {
        self.links.stats.video_target_bps.load(Ordering::Relaxed)
    }

    /// The congestion controller's current estimate of the whole uplink, in bit/s.
    pub fn bandwidth_estimate_bps(&self) -> u32 {
        self.links.estimate.bps()
    }

    /// Stops capture and encoding, closes the peer connection and waits for the media threads
    /// to end. When it returns, the sockets are closed: no packet leaves after this.
    pub async fn close(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if !self.stop_media() {
            return;
        }
        for (_, collaborator) in self.collaborators.drain() {
            collaborator.close().await;
        }
        // `close` stops the driver task that owns the sockets, and waits for it.
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "closing the peer connection");
        }
        self.end_handler();
        let threads = std::mem::take(&mut self.threads);
        // The threads notice the stop within one source poll (50 ms) plus one encode.
        let joined = tokio::task::spawn_blocking(move || {
            for thread in threads {
                let _ = thread.join();
            }
            super::release_memory::after_call();
        });
        let _ = joined.await;
    }

    /// The first half of the one close path (`shutdown` and `Drop`): stops capture, the
    /// media threads and the session's tasks. False if the session was already closed.
    fn stop_media(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        // Capture first: the camera is what the customer cares about.
        self.links.run.stop();
        for task in self.tasks.drain(..) {
            task.abort();
        }
        true
    }

    /// The second half, once the connection is closed (or asked to close): ends the
    /// driver's event stream and the handler's tasks.
    fn end_handler(&self) {
        self.links.events.close();
        let handler_tasks =
            std::mem::take(&mut *self.links.handler_tasks.lock().expect("task list lock"));
        for task in handler_tasks {
            task.abort();
        }
    }
}

impl Drop for MediaSession {
    fn drop(&mut self) {
        if !self.stop_media() {
            return;
        }
        self.end_handler();
        // webrtc-rs keeps the connection's driver running after a drop; only `close` ends it.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pc = Arc::clone(&self.pc);
            let collaborators: Vec<Collaborator> =
                self.collaborators.drain().map(|(_, c)| c).collect();
            runtime.spawn(async move {
                let _ = pc.close().await;
                for collaborator in collaborators {
                    collaborator.close().await;
                }
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
