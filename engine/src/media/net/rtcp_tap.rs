//! The RTCP tap at the end of the interceptor chain: what the technician's receiver tells
//! this sender. It passes PLI and FIR on to the video track (where a keyframe can be made),
//! keeps the round-trip time and loss of the receiver reports for the statistics, and picks
//! up the congestion controller's new estimate.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::sender_report::SenderReport;

use crate::media::estimate::BandwidthEstimate;
use crate::media::stats::StatsCounters;

/// Lets PLI and FIR through to the application (the video track's `poll`), which is the only
/// place a keyframe can be made; all other inbound RTCP ends at the interceptors that use it.
/// This is the pattern of webrtc-rs's `rtcp-processing` example.
///
/// It also picks up the congestion controller's new estimate, which rides on the feedback
/// packet that produced it as [`Attribute::TargetBitrateChanged`], and hands it to the video
/// thread and the rest through [`BandwidthEstimate`].
pub(crate) struct KeyframeRequestForwarder {
    stats: Arc<StatsCounters>,
    estimate: BandwidthEstimate,
    /// This connection's audio streams (from `bind_local_stream`): their report blocks are the
    /// voice's loss, every other block the video's.
    audio_ssrcs: Vec<u32>,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl KeyframeRequestForwarder {
    pub(crate) fn new(stats: Arc<StatsCounters>, estimate: BandwidthEstimate) -> Self {
        Self {
            stats,
            estimate,
            audio_ssrcs: Vec::new(),
            read_queue: VecDeque::new(),
            write_queue: VecDeque::new(),
        }
    }
}

/// Round-trip time and loss from the report blocks of the technician's receiver reports (or
/// sender reports, when the technician also sends audio). RTT per RFC 3550 §6.4.1: the time
/// now, less when our sender report left (LSR), less how long the receiver held it (DLSR), all
/// in the middle 32 bits of NTP time. webrtc-rs's own `get_stats` leaves RTT at zero, and this
/// forwarder is where the reports end anyway.
fn record_reception_reports(
    packet: &dyn rtc::rtcp::Packet,
    audio_ssrcs: &[u32],
    stats: &StatsCounters,
) {
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
    for report in reports {
        let audio = audio_ssrcs.contains(&report.ssrc);
        stats.set_reported_loss_permille(audio, u32::from(report.fraction_lost) * 1000 / 256);
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
                self.estimate.set(*bits_per_second as u32);
            }
        }
        if let Packet::Rtcp(packets) = &msg.message.packet {
            for packet in packets {
                record_reception_reports(packet.as_ref(), &self.audio_ssrcs, &self.stats);
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
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        if info.mime_type.to_ascii_lowercase().starts_with("audio/") {
            self.audio_ssrcs.push(info.ssrc);
        }
    }

    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.audio_ssrcs.retain(|&ssrc| ssrc != info.ssrc);
    }
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
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
        let stats = StatsCounters::default();
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
        record_reception_reports(&report, &[], &stats);
        let snapshot = stats.reported();
        let rtt = snapshot.0.expect("an RTT");
        assert!((195..=215).contains(&rtt), "{rtt} ms");
        assert_eq!(snapshot.1, 50);
    }

    /// One report block in one receiver report, as webrtc-rs's receivers send them.
    fn report_on(ssrc: u32, fraction_lost: u8) -> ReceiverReport {
        ReceiverReport {
            ssrc: 1,
            reports: vec![rtc::rtcp::reception_report::ReceptionReport {
                ssrc,
                fraction_lost,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_voice_follows_its_own_streams_loss_whichever_report_came_last() {
        let (audio, video) = (7, 8);
        let stats = StatsCounters::default();
        // 10 % of the voice lost; then the video's report, its losses repaired: none.
        record_reception_reports(&report_on(audio, 26), &[audio], &stats);
        record_reception_reports(&report_on(video, 0), &[audio], &stats);
        assert_eq!(stats.reported_voice_loss_permille(), 101);
        assert_eq!(stats.reported().1, 101, "the link: the worse of the two");
        // The other way round: a lossy video does not make the voice plan for loss.
        record_reception_reports(&report_on(audio, 0), &[audio], &stats);
        record_reception_reports(&report_on(video, 51), &[audio], &stats);
        assert_eq!(stats.reported_voice_loss_permille(), 0);
        assert_eq!(stats.reported().1, 199);
    }
}
