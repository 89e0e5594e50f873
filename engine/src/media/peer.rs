//! Building the webrtc-rs peer connection: codecs, interceptors, sockets, and the event handler
//! that turns its callbacks into [`PeerEvent`]s.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::interceptor::{
    Attribute, CongestionControlBuilder, Gcc, Interceptor, Packet, Slot, StreamInfo, TaggedPacket,
    TwccSenderBuilder,
};
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::sender_report::SenderReport;
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
    // They include the transport-wide CC *receiver* and negotiate the TWCC header extension and
    // `transport-cc` feedback for both kinds; the send half below makes this end use the
    // feedback the technician's browser then sends.
    let registry = register_default_interceptors(Registry::new(), &mut media_engine)
        .map_err(MediaError::webrtc("register interceptors"))?;
    let registry = with_congestion_control(registry)
        // Just below the NACK responder (4 000): bounds what its retransmissions may use.
        .with(
            Slot::from(3_500),
            super::rtx_budget::RetransmissionBudget::new(Arc::clone(&shared)),
        )
        // Last in the chain, so NACK and report interceptors see all RTCP first.
        .with(
            Slot::from(14_000),
            KeyframeRequestForwarder {
                shared: Arc::clone(&shared),
                read_queue: VecDeque::new(),
                write_queue: VecDeque::new(),
            },
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

/// The bandwidth estimate the send side starts from, before any feedback: enough for 540p30,
/// so a good link shows a sharp picture within seconds and a bad one drops from there.
pub(crate) const INITIAL_ESTIMATE_BPS: u32 = 1_000_000;
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
fn with_congestion_control(registry: Registry) -> Registry {
    let gcc = Gcc::new(
        f64::from(INITIAL_ESTIMATE_BPS),
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

/// Lets PLI and FIR through to the application (the video track's `poll`), which is the only
/// place a keyframe can be made; all other inbound RTCP ends at the interceptors that use it.
/// This is the pattern of webrtc-rs's `rtcp-processing` example.
///
/// It also picks up the congestion controller's new estimate, which rides on the feedback
/// packet that produced it as [`Attribute::TargetBitrateChanged`], and hands it to the video
/// thread through [`Shared::bandwidth_estimate_bps`].
struct KeyframeRequestForwarder {
    shared: Arc<Shared>,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

/// Round-trip time and loss from the report blocks of the technician's receiver reports (or
/// sender reports, when the technician also sends audio). RTT per RFC 3550 §6.4.1: the time
/// now, less when our sender report left (LSR), less how long the receiver held it (DLSR), all
/// in the middle 32 bits of NTP time. webrtc-rs's own `get_stats` leaves RTT at zero, and this
/// forwarder is where the reports end anyway.
fn record_reception_reports(packet: &dyn rtc::rtcp::Packet, stats: &super::stats::StatsCounters) {
    let any = packet.as_any();
    let reports = if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
        &rr.reports
    } else if let Some(sr) = any.downcast_ref::<SenderReport>() {
        &sr.reports
    } else {
        return;
    };
    if reports.is_empty() {
        return;
    }
    let now = ntp_middle_32(std::time::SystemTime::now());
    let mut worst_loss = 0u32;
    for report in reports {
        worst_loss = worst_loss.max(u32::from(report.fraction_lost) * 1000 / 256);
        if report.last_sender_report != 0 {
            let rtt = now
                .wrapping_sub(report.last_sender_report)
                .wrapping_sub(report.delay);
            // Clock steps can make it "negative" (a huge u32): ignore those.
            if rtt < 65_536 * 10 {
                stats.set_round_trip_time_ms(u64::from(rtt) * 1000 / 65_536);
            }
        }
    }
    stats.set_reported_loss_permille(worst_loss);
}

/// The middle 32 bits of the NTP timestamp of `at` (seconds since 1900 in the high half,
/// the fraction in the low).
fn ntp_middle_32(at: std::time::SystemTime) -> u32 {
    const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
    let since_unix = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
    let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
    (((seconds & 0xffff) << 16) | (fraction >> 16)) as u32
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
        for attribute in &msg.message.attributes {
            if let Attribute::TargetBitrateChanged { bits_per_second } = attribute {
                self.shared
                    .bandwidth_estimate_bps
                    .store(*bits_per_second as u32, Ordering::Relaxed);
            }
        }
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for packet in packets {
                record_reception_reports(packet.as_ref(), &self.shared.stats);
            }
            if !packets.iter().any(|p| is_keyframe_request(p.as_ref())) {
                if !msg.message.attributes.is_empty() {
                    // An empty RTCP packet carries the attributes on to webrtc-rs's own stats
                    // (`target_bitrate`) without giving the application anything to read.
                    msg.message.packet = Packet::Rtcp(Vec::new());
                    self.read_queue.push_back(msg);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn ntp_middle_bits_count_in_1_65536_seconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let later = t + Duration::from_millis(250);
        let delta = ntp_middle_32(later).wrapping_sub(ntp_middle_32(t));
        assert_eq!(delta, 16_384, "a quarter second");
    }

    #[test]
    fn round_trip_time_comes_from_lsr_and_dlsr() {
        use rtc::rtcp::reception_report::ReceptionReport;
        let stats = super::super::stats::StatsCounters::default();
        // Our sender report left 300 ms ago; the receiver held it for 100 ms: 200 ms RTT.
        let now = SystemTime::now();
        let report = ReceiverReport {
            ssrc: 1,
            reports: vec![ReceptionReport {
                ssrc: 2,
                fraction_lost: 13, // 13/256 = 5 %
                last_sender_report: ntp_middle_32(now - Duration::from_millis(300)),
                delay: 65_536 / 10,
                ..Default::default()
            }],
            ..Default::default()
        };
        record_reception_reports(&report, &stats);
        let snapshot = stats.reported();
        let rtt = snapshot.0.expect("an RTT");
        assert!((195..=215).contains(&rtt), "{rtt} ms");
        assert_eq!(snapshot.1, 50);
    }
}
