//! Building the webrtc-rs peer connection: codecs, interceptors, sockets, and the event handler
//! that turns its callbacks into [`PeerEvent`]s.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::interceptor::{Attribute, Interceptor, Packet, Slot, StreamInfo, TaggedPacket};
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RtpCodecKind,
};
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState, RTCIceServer, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
    Registry,
};

use super::codec::{H264_FMTP, OPUS_FMTP};
use super::config::MediaConfig;
use super::error::MediaError;
use super::receive;
use super::session::{PeerEvent, Shared};

/// The payload types offered. Chromium uses 102 for this H.264 profile and 111 for Opus, so
/// a browser answers with the same numbers.
pub(crate) const VIDEO_PAYLOAD_TYPE: u8 = 102;
pub(crate) const AUDIO_PAYLOAD_TYPE: u8 = 111;

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

/// Builds the peer connection. UDP sockets are bound here and nowhere earlier.
pub(crate) async fn build(
    config: &MediaConfig,
    shared: Arc<Shared>,
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

    // After the codecs: the defaults add their RTCP feedback to the codecs already registered.
    let registry = register_default_interceptors(Registry::new(), &mut media_engine)
        .map_err(MediaError::webrtc("register interceptors"))?
        // Last in the chain, so NACK and report interceptors see all RTCP first.
        .with(Slot::from(14_000), KeyframeRequestForwarder::default());

    let ice_servers = config
        .ice_servers
        .iter()
        .map(|server| RTCIceServer {
            urls: vec![server.url.clone()],
            username: server.username.clone(),
            credential: server.credential.clone(),
        })
        .collect();
    let configuration = RTCConfigurationBuilder::new()
        .with_ice_servers(ice_servers)
        .build();

    // mDNS off: it needs a multicast-capable interface (build() fails with "No such device" in
    // a namespace that only has lo), and host candidates as plain IPs is what the technician's
    // browser can use anyway.
    let setting_engine = SettingEngineBuilder::new()
        .with_multicast_dns_mode(MulticastDnsMode::Disabled)
        .build();

    let handler = Arc::new(Handler { shared });
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

/// Lets PLI and FIR through to the application (the video track's `poll`), which is the only
/// place a keyframe can be made; all other inbound RTCP ends at the interceptors that use it.
/// This is the pattern of webrtc-rs's `rtcp-processing` example.
#[derive(Default)]
struct KeyframeRequestForwarder {
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

pub(crate) fn is_keyframe_request(packet: &dyn rtc::rtcp::Packet) -> bool {
    let any = packet.as_any();
    any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>()
}

impl rtc::sansio::Protocol<TaggedPacket, TaggedPacket, ()> for KeyframeRequestForwarder {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            if !packets.iter().any(|p| is_keyframe_request(p.as_ref())) {
                return Ok(());
            }
            let requests = packets
                .iter()
                .filter(|p| is_keyframe_request(p.as_ref()))
                .cloned()
                .collect();
            msg.message.packet = Packet::Rtcp(requests);
            msg.message.add(Attribute::DeliverToApplication);
        }
        self.read_queue.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.write_queue.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<TaggedPacket> {
        self.write_queue.pop_front()
    }
}

impl Interceptor for KeyframeRequestForwarder {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

/// webrtc-rs calls this from its driver task: nothing here may block or wait for long.
struct Handler {
    shared: Arc<Shared>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        // Until the offer is handed out its SDP carries every candidate; only late ones (a slow
        // STUN or TURN server) need to trickle.
        if !self.shared.offer_returned.load(Ordering::Acquire) {
            return;
        }
        match event.candidate.to_json() {
            Ok(init) => {
                let candidate = lens_core::signal::IceCandidate {
                    candidate: init.candidate,
                    sdp_mid: self.shared.bundle_mid.get().cloned(),
                    sdp_mline_index: Some(0),
                };
                self.shared.emit(PeerEvent::LocalCandidate(candidate));
            }
            Err(error) => tracing::debug!(%error, "could not serialise a local ICE candidate"),
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.shared.gathering_complete.send_replace(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "peer connection state");
        self.shared.connected.store(
            state == RTCPeerConnectionState::Connected,
            Ordering::Release,
        );
        let event = match state {
            RTCPeerConnectionState::Connected => PeerEvent::Connected,
            RTCPeerConnectionState::Disconnected => PeerEvent::Disconnected,
            RTCPeerConnectionState::Failed => PeerEvent::Failed,
            RTCPeerConnectionState::Closed => PeerEvent::Closed,
            _ => return,
        };
        self.shared.emit(event);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        if track.kind().await != RtpCodecKind::Audio {
            return;
        }
        let shared = Arc::clone(&self.shared);
        let task = tokio::spawn(receive::play_remote_audio(track, Arc::clone(&shared)));
        shared.tasks.lock().expect("task list lock").push(task);
    }
}
