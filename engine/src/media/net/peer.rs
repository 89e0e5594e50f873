//! Building the webrtc-rs peer connection: codecs, interceptors, sockets, and the event handler
//! that turns its callbacks into [`PeerEvent`]s.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::interceptor::{CongestionControlBuilder, Gcc, Slot, TwccSenderBuilder};
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::rtp_transceiver::RTCRtpTransceiverDirection;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
};
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnectionIceErrorEvent,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState, Registry,
};

use super::rtcp_tap::KeyframeRequestForwarder;
use super::rtx_budget::RetransmissionBudget;
use super::turn_check::{self, TurnCheck};
use crate::media::codec::{H264_FMTP, OPUS_FMTP};
use crate::media::config::MediaConfig;
use crate::media::error::MediaError;
use crate::media::estimate::BandwidthEstimate;
use crate::media::events::{EventSender, PeerEvent};
use crate::media::recv::receive;
use crate::media::recv::sink::AudioSink;
use crate::media::run_state::RunState;
use crate::media::send::keyframe::KeyframeRequests;
use crate::media::stats::StatsCounters;

/// The payload types offered. Chromium uses 102 for this H.264 profile and 111 for Opus, so
/// a browser answers with the same numbers.
pub(crate) const VIDEO_PAYLOAD_TYPE: u8 = 102;
pub(crate) const AUDIO_PAYLOAD_TYPE: u8 = 111;

/// The RTP video-orientation extension (CVO): a picture may travel as the camera sensor lies,
/// with the turn it needs said beside it (`source/rotation.rs`).
pub(crate) const VIDEO_ORIENTATION_URI: &str = "urn:3gpp:video-orientation";

pub(crate) fn video_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_H264.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: H264_FMTP.to_owned(),
        // `nack` and `nack pli` are added by the default interceptors; FIR is what some
        // receivers (and SIP gateways) use instead of PLI.
        rtcp_feedback: vec![RTCPFeedback {
            typ: "ccm".to_owned(),
            parameter: "fir".to_owned(),
        }],
    }
}

pub(crate) fn audio_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        // RFC 7587: Opus is always "opus/48000/2" in SDP, even when the stream is mono.
        channels: 2,
        sdp_fmtp_line: OPUS_FMTP.to_owned(),
        rtcp_feedback: vec![],
    }
}

/// How the connection is negotiated. The default (a complete offer, every candidate type)
/// is what a test or an example that hands the offer to an answerer in one piece wants; a
/// real session trickles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Negotiation {
    /// Hand the offer out at once; every candidate follows as
    /// [`PeerEvent::LocalCandidate`](crate::media::PeerEvent::LocalCandidate).
    pub trickle: bool,
    /// Gather and use relay (TURN) candidates only, so that the technician never learns the
    /// customer's address (the technician group's privacy option).
    pub relay_only: bool,
}

/// The offer's progress, between `MediaSession` (which hands the offer out) and the
/// connection's handler (which finds candidates).
#[derive(Debug)]
pub(crate) struct Gathering {
    complete: watch::Sender<bool>,
    /// Set once the offer SDP was read (at once when trickling): later candidates trickle.
    offer_returned: AtomicBool,
    /// Only relay candidates may leave (see [`Negotiation::relay_only`]).
    relay_only: bool,
    /// The mid of the first m-line, which carries every candidate under BUNDLE.
    bundle_mid: OnceLock<String>,
}

impl Gathering {
    /// The receiver turns `true` when ICE gathering completes.
    pub(crate) fn new(negotiation: Negotiation) -> (Arc<Self>, watch::Receiver<bool>) {
        let (complete, done) = watch::channel(false);
        let gathering = Self {
            complete,
            offer_returned: AtomicBool::new(negotiation.trickle),
            relay_only: negotiation.relay_only,
            bundle_mid: OnceLock::new(),
        };
        (Arc::new(gathering), done)
    }

    pub(crate) fn set_bundle_mid(&self, mid: String) {
        let _ = self.bundle_mid.set(mid);
    }

    pub(crate) fn offer_returned(&self) {
        self.offer_returned.store(true, Ordering::Release);
    }
}

/// Tasks the connection's handler starts (the technician's audio), ended by the session's
/// close.
pub(crate) type TaskList = Mutex<Vec<JoinHandle<()>>>;

/// What the peer connection and its handler read and report through.
pub(crate) struct PeerLinks {
    pub(crate) events: Arc<EventSender>,
    pub(crate) run: Arc<RunState>,
    pub(crate) stats: Arc<StatsCounters>,
    pub(crate) estimate: BandwidthEstimate,
    pub(crate) gathering: Arc<Gathering>,
    /// Where the technician's voice is played.
    pub(crate) sink: Arc<dyn AudioSink>,
    pub(crate) tasks: Arc<TaskList>,
    /// A collaborator's connection joins a stream already running: once it is up, the next
    /// frame must be a keyframe or it decodes nothing until the next periodic one.
    /// With the flag the collaborator's video outlet waits on (see `writer.rs`).
    pub(crate) keyframe_on_connect: Option<(Arc<KeyframeRequests>, Arc<AtomicBool>)>,
}

/// Builds the peer connection, its congestion controller starting from
/// `initial_estimate_bps`. UDP sockets are bound here and nowhere earlier.
pub(crate) async fn build(
    config: &MediaConfig,
    links: PeerLinks,
    initial_estimate_bps: u32,
) -> Result<Arc<dyn PeerConnection>, MediaError> {
    let mut media_engine = MediaEngine::default();
    media_engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: video_codec(),
                payload_type: VIDEO_PAYLOAD_TYPE,
            },
            RtpCodecKind::Video,
        )
        .map_err(MediaError::webrtc("register H.264"))?;
    media_engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: audio_codec(),
                payload_type: AUDIO_PAYLOAD_TYPE,
            },
            RtpCodecKind::Audio,
        )
        .map_err(MediaError::webrtc("register Opus"))?;
    // Offered for the video this end sends; a receiver that answers with it turns pictures
    // for display (`send/upright.rs`), one that does not gets them turned here.
    media_engine
        .register_header_extension(
            RTCRtpHeaderExtensionCapability {
                uri: VIDEO_ORIENTATION_URI.to_owned(),
            },
            RtpCodecKind::Video,
            Some(RTCRtpTransceiverDirection::Sendonly),
        )
        .map_err(MediaError::webrtc(
            "register the video-orientation extension",
        ))?;

    // After the codecs: the defaults add their RTCP feedback to the codecs already registered.
    // They include the transport-wide CC *receiver* and negotiate the TWCC header extension and
    // `transport-cc` feedback for both kinds; the send half below makes this end use the
    // feedback the technician's browser then sends.
    let registry = register_default_interceptors(Registry::new(), &mut media_engine)
        .map_err(MediaError::webrtc("register interceptors"))?;
    let registry = with_congestion_control(registry, initial_estimate_bps)
        // Just below the NACK responder (4 000): bounds what its retransmissions may use.
        .with(
            Slot::from(3_500),
            RetransmissionBudget::new(links.estimate.clone(), Arc::clone(&links.stats)),
        )
        // Last in the chain, so NACK and report interceptors see all RTCP first.
        .with(
            Slot::from(14_000),
            KeyframeRequestForwarder::new(Arc::clone(&links.stats), links.estimate.clone()),
        );

    let ice_servers = config
        .ice_servers
        .iter()
        .map(|server| RTCIceServer {
            urls: vec![server.url.clone()],
            username: server.username.clone(),
            credential: server.credential.clone(),
        })
        .collect();
    // Relay-only: the ICE agent gathers and pairs relay candidates only, and the handler
    // below drops any other candidate as well.
    let policy = match links.gathering.relay_only {
        true => RTCIceTransportPolicy::Relay,
        false => RTCIceTransportPolicy::All,
    };
    let configuration = RTCConfigurationBuilder::new()
        .with_ice_servers(ice_servers)
        .with_ice_transport_policy(policy)
        .build();

    // mDNS off: it needs a multicast-capable interface (build() fails with "No such device" in
    // a namespace that only has lo), and host candidates as plain IPs is what the technician's
    // browser can use anyway.
    //
    // Discarding local candidates on an ICE restart makes webrtc-rs bind its sockets again and
    // re-enumerate the interfaces (a wildcard bind address), which is what lets a restart after
    // a network change (Wi-Fi to mobile, a new address) gather on the network there is now.
    //
    // How long ICE waits before it accepts a working pair of each kind, so that a better one
    // may still win: pion's defaults (srflx 500 ms, prflx 1 s, relay 2 s) add up to 2 s to
    // every relayed call and 1 s to a direct one whose first check beat the trickled
    // candidate (a peer-reflexive pair, which with trickle ICE is the usual direct pair: no
    // wait). A direct pair answers within a round trip or two, so shorter waits lose
    // nothing; with relay only there is nothing better to wait for.
    let relay_wait = match links.gathering.relay_only {
        true => Duration::ZERO,
        false => RELAY_ACCEPTANCE_WAIT,
    };
    let setting_engine = SettingEngineBuilder::new()
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .with_discard_local_candidates_during_ice_restart(true)
        .with_srflx_acceptance_min_wait(Some(REFLEXIVE_ACCEPTANCE_WAIT))
        .with_prflx_acceptance_min_wait(Some(Duration::ZERO))
        .with_relay_acceptance_min_wait(Some(relay_wait))
        .with_ice_connection_attempts(Some(ICE_CHECK_INTERVAL), Some(ICE_CHECK_ATTEMPTS))
        .build();

    let handler = Arc::new(Handler { links });
    let pc = PeerConnectionBuilder::<String>::new()
        .with_configuration(configuration)
        .with_media_engine(media_engine)
        .with_setting_engine(setting_engine)
        .with_interceptor_registry(registry)
        .with_handler(handler)
        .with_udp_addrs(vec![format!(
            "{}",
            std::net::SocketAddr::new(config.bind_ip, 0)
        )])
        .build()
        .await
        .map_err(MediaError::webrtc("create peer connection"))?;
    Ok(Arc::new(pc))
}

/// A STUN or TURN server failed: logged (never with its credentials: the URL carries none)
/// and told to the session, which tells the technician.
pub(crate) fn report_ice_server_error(events: &EventSender, url: String, code: u16, text: String) {
    tracing::warn!(url = %url, code, text = %text, "a STUN or TURN server failed");
    events.emit(PeerEvent::IceServerError { url, code, text });
}

/// How long the TURN check waits for an answer before it says "no answer" (the console's
/// own limit too).
pub(crate) const TURN_CHECK_WITHIN: Duration = Duration::from_secs(10);

/// Checks every TURN server of the call beside ICE (see `turn_check`), and reports one that
/// refuses this device's credentials or does not answer. webrtc-rs would only log it.
pub(crate) fn check_turn_servers(
    config: &MediaConfig,
    events: &Arc<EventSender>,
) -> Vec<tokio::task::JoinHandle<()>> {
    config
        .ice_servers
        .iter()
        .filter(|server| turn_check::is_checked(&server.url))
        .map(|server| {
            let (url, username, password) = (
                server.url.clone(),
                server.username.clone(),
                server.credential.clone(),
            );
            let (bind_ip, events) = (config.bind_ip, Arc::clone(events));
            tokio::spawn(async move {
                let verdict =
                    turn_check::check(&url, &username, &password, bind_ip, TURN_CHECK_WITHIN).await;
                let (code, text) = match verdict {
                    TurnCheck::Refused { code, reason } => (code, reason),
                    TurnCheck::Unanswered => (
                        turn_check::NO_ANSWER_CODE,
                        format!("no answer within {} s", TURN_CHECK_WITHIN.as_secs()),
                    ),
                    TurnCheck::Usable | TurnCheck::NotChecked => return,
                };
                report_ice_server_error(&events, url, code, text);
            })
        })
        .collect()
}

/// How often ICE checks its candidate pairs while it looks for a path: webrtc-rs's 200 ms
/// (pion's) puts up to 200 ms between a candidate's arrival and its first check; Chromium
/// paces checks about every 50 ms.
const ICE_CHECK_INTERVAL: Duration = Duration::from_millis(50);
/// Checks per pair before it counts as failed: 1.4 s at [`ICE_CHECK_INTERVAL`], as webrtc-rs's
/// default 7 at 200 ms.
const ICE_CHECK_ATTEMPTS: u16 = 28;
/// How long a working server-reflexive pair waits for a host pair to work too.
const REFLEXIVE_ACCEPTANCE_WAIT: Duration = Duration::from_millis(100);
/// How long a working relayed pair waits for a direct one (when direct is allowed).
const RELAY_ACCEPTANCE_WAIT: Duration = Duration::from_millis(500);

/// The bandwidth estimate the send side starts from, before any feedback: above the 720p30
/// rung's floor (1.2 Mbit/s, see `ladder.rs`), so the stream starts at full size and frame
/// rate instead of climbing to it. webrtc-rs's GCC does not probe and raises its delay-based
/// estimate by about 8 % a second, so from 1 Mbit/s (540p) the climb to 720p took 10 s
/// (`tests/bench/latency.mjs`); from here a clean link shows 720p30 within the first second.
/// A link slower than this overflows for the first second of feedback, and the ladder's
/// collapse rule (an estimate below half a rung's floor steps down at once, several rungs if
/// need be) takes the stream down to what it holds.
pub(crate) const INITIAL_ESTIMATE_BPS: u32 = 1_600_000;
/// GCC never goes below this; the ladder's bottom rung fits in it.
const MIN_ESTIMATE_BPS: f64 = 100_000.0;
/// The top rung's ceiling plus audio: probing beyond it would only fill the pipe.
const MAX_ESTIMATE_BPS: f64 = 2_600_000.0;

/// Send-side congestion control: webrtc-rs 0.21's GCC (delay-based Kalman/trendline and
/// loss-based halves, `min` of the two) fed by transport-wide CC feedback, which Chromium and
/// aiortc send for the `transport-cc` the default interceptors negotiate.
///
/// Unlike `configure_congestion_control`, no pacer: it releases at exactly the estimate with a
/// queue of 4096 packets, so an IDR (10 to 40 packets at once) or an encoder overshoot would
/// wait in a queue the encoder cannot see. The encoder's own rate control, fed the same
/// estimate (see `ladder.rs`), keeps the average in check; a frame's packets leave as a burst,
/// which GCC's arrival grouping expects.
fn with_congestion_control(registry: Registry, initial_estimate_bps: u32) -> Registry {
    let gcc = Gcc::new(
        f64::from(initial_estimate_bps),
        MIN_ESTIMATE_BPS,
        MAX_ESTIMATE_BPS,
    );
    registry
        .with(
            Slot::CongestionControl,
            CongestionControlBuilder::new(gcc).build(),
        )
        // Stamps the transport-wide sequence numbers the feedback refers to.
        .with(Slot::TwccSender, TwccSenderBuilder::new().build())
}

/// webrtc-rs calls this from its driver task: nothing here may block or wait for long.
struct Handler {
    links: PeerLinks,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        // Until the offer is handed out its SDP carries every candidate; only late ones (a slow
        // STUN or TURN server) need to trickle. A trickling session hands the offer out at once.
        if !self.links.gathering.offer_returned.load(Ordering::Acquire) {
            return;
        }
        match event.candidate.to_json() {
            Ok(init)
                if self.links.gathering.relay_only
                    && lens_core::signal::candidate_type(&init.candidate) != Some("relay") =>
            {
                tracing::debug!("relay-only: a non-relay local candidate is not sent");
            }
            Ok(init) => {
                let candidate = lens_core::signal::IceCandidate {
                    // A relay candidate's related address is this device's own.
                    candidate: lens_core::signal::hide_related_address(&init.candidate),
                    sdp_mid: self.links.gathering.bundle_mid.get().cloned(),
                    sdp_mline_index: Some(0),
                };
                self.links.events.emit(PeerEvent::LocalCandidate(candidate));
            }
            Err(error) => tracing::debug!(%error, "could not serialise a local ICE candidate"),
        }
    }

    async fn on_ice_candidate_error(&self, event: RTCPeerConnectionIceErrorEvent) {
        report_ice_server_error(
            &self.links.events,
            event.url,
            event.error_code,
            event.error_text,
        );
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.links.gathering.complete.send_replace(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "peer connection state");
        self.links
            .run
            .set_connected(state == RTCPeerConnectionState::Connected);
        if state == RTCPeerConnectionState::Connected
            && let Some((keyframes, awaiting)) = &self.links.keyframe_on_connect
        {
            awaiting.store(true, Ordering::Release);
            keyframes.request();
        }
        let event = match state {
            RTCPeerConnectionState::Connected => PeerEvent::Connected,
            RTCPeerConnectionState::Disconnected => PeerEvent::Disconnected,
            RTCPeerConnectionState::Failed => PeerEvent::Failed,
            RTCPeerConnectionState::Closed => PeerEvent::Closed,
            _ => return,
        };
        self.links.events.emit(event);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        if track.kind().await != RtpCodecKind::Audio {
            return;
        }
        let task = tokio::spawn(receive::play_remote_audio(
            track,
            Arc::clone(&self.links.stats),
            Arc::clone(&self.links.sink),
        ));
        self.links.tasks.lock().expect("task list lock").push(task);
    }
}
