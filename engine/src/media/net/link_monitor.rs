//! Once a second: what the link carried, what the receiver reported, and the quality score.
//!
//! Bytes come from webrtc-rs's own statistics (`get_stats`: the outbound and inbound RTP
//! streams); round-trip time and loss from the technician's RTCP report blocks (`rtcp_tap.rs`);
//! the encoder's size, rate and target from the video thread; the score from core
//! ([`lens_core::link_stats::quality_score`]).

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use lens_core::link_stats::{LinkStats, QualityInputs, quality_score};
use lens_core::signal::MediaPath;
use rtc::peer_connection::transport::RTCIceCandidateType;
use rtc::statistics::stats::ice_candidate::RTCIceCandidateStats;
use rtc::statistics::stats::ice_candidate_pair::{
    RTCIceCandidatePairStats, RTCStatsIceCandidatePairState,
};
use webrtc::peer_connection::{PeerConnection, RTCStatsReportEntry, StatsSelector};

use crate::media::estimate::BandwidthEstimate;
use crate::media::run_state::RunState;
use crate::media::stats::StatsCounters;

pub(crate) const PERIOD: Duration = Duration::from_secs(1);

/// Cumulative counters at one instant; two of them make a second's rates.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    at: Option<Instant>,
    sent_bytes: u64,
    received_bytes: u64,
    video_frames: u64,
}

/// What one `get_stats` report says about the link.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Reported {
    sent_bytes: u64,
    received_bytes: u64,
    /// From the selected candidate pair's two candidate types.
    path: MediaPath,
}

/// What the link monitor reads: the counters (which it also fills), the estimate, and
/// whether the connection is up.
pub(crate) struct MonitorLinks {
    pub(crate) run: Arc<RunState>,
    pub(crate) stats: Arc<StatsCounters>,
    pub(crate) estimate: BandwidthEstimate,
}

pub(crate) async fn run(pc: Arc<dyn PeerConnection>, links: MonitorLinks) {
    let mut tick = tokio::time::interval(PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut previous = Totals::default();
    loop {
        tick.tick().await;
        if !links.run.connected() {
            previous = Totals::default();
            continue;
        }
        let now = Instant::now();
        let report = pc.get_stats(now, StatsSelector::None).await;
        let reported = read(&report.iter().collect::<Vec<_>>());
        let totals = Totals {
            at: Some(now),
            sent_bytes: reported.sent_bytes,
            received_bytes: reported.received_bytes,
            video_frames: links.stats.video_frames_sent.load(Relaxed),
        };
        if let Some(mut link) = second(&previous, &totals, &links) {
            link.path = reported.path;
            *links.stats.link.lock().expect("link stats lock") = link;
        }
        previous = totals;
    }
}

fn read(entries: &[&RTCStatsReportEntry]) -> Reported {
    let mut reported = Reported {
        path: selected_path(entries),
        ..Reported::default()
    };
    for entry in entries.iter().copied() {
        match entry {
            RTCStatsReportEntry::OutboundRtp(out) => {
                reported.sent_bytes += out.sent_rtp_stream_stats.bytes_sent + out.header_bytes_sent;
            }
            RTCStatsReportEntry::InboundRtp(inbound) => {
                reported.received_bytes += inbound.bytes_received + inbound.header_bytes_received;
            }
            _ => {}
        }
    }
    reported
}

/// The path of the transport's selected candidate pair: the less direct of its two sides.
fn selected_path(entries: &[&RTCStatsReportEntry]) -> MediaPath {
    let Some(pair) = selected_pair(entries) else {
        return MediaPath::Unknown;
    };
    let typ = |side: Side, id: &str| {
        candidate(entries, side, id)
            .map(|c| signalled_type(c, entries, side))
            .unwrap_or_default()
    };
    MediaPath::of_pair(
        &typ(Side::Local, &pair.local_candidate_id),
        &typ(Side::Remote, &pair.remote_candidate_id),
    )
}

#[derive(Clone, Copy)]
enum Side {
    Local,
    Remote,
}

/// The candidates of one side in a stats report.
fn candidates<'a>(
    entries: &[&'a RTCStatsReportEntry],
    side: Side,
) -> impl Iterator<Item = &'a RTCIceCandidateStats> {
    entries.iter().filter_map(move |entry| match (side, entry) {
        (Side::Local, RTCStatsReportEntry::LocalCandidate(c))
        | (Side::Remote, RTCStatsReportEntry::RemoteCandidate(c)) => Some(c),
        _ => None,
    })
}

/// The candidate a pair names. webrtc-rs 0.21 names a pair's candidates by their bare ICE id
/// but files the candidates' own stats as `RTCLocalIceCandidate_<id>` and
/// `RTCRemoteIceCandidate_<id>`, so both spellings are looked up.
fn candidate<'a>(
    entries: &[&'a RTCStatsReportEntry],
    side: Side,
    id: &str,
) -> Option<&'a RTCIceCandidateStats> {
    let prefixed = match side {
        Side::Local => format!("RTCLocalIceCandidate_{id}"),
        Side::Remote => format!("RTCRemoteIceCandidate_{id}"),
    };
    candidates(entries, side).find(|c| c.stats.id == id || c.stats.id == prefixed)
}

/// A candidate's type, where a peer-reflexive one that has the address and port of a
/// signalled candidate of the same side takes that candidate's type: with trickle ICE the
/// first connectivity check often arrives before the candidate it comes from, and that race
/// is not a NAT.
fn signalled_type(
    candidate: &RTCIceCandidateStats,
    entries: &[&RTCStatsReportEntry],
    side: Side,
) -> String {
    if candidate.candidate_type != RTCIceCandidateType::Prflx {
        return candidate.candidate_type.to_string();
    }
    candidates(entries, side)
        .find(|other| {
            other.candidate_type != RTCIceCandidateType::Prflx
                && other.address == candidate.address
                && other.port == candidate.port
        })
        .unwrap_or(candidate)
        .candidate_type
        .to_string()
}

/// The transport's selected pair; webrtc-rs 0.21 does not always fill
/// `selected_candidate_pair_id`, so failing that the nominated pair whose checks succeeded,
/// and failing that the succeeded pair that received the most.
fn selected_pair<'a>(entries: &[&'a RTCStatsReportEntry]) -> Option<&'a RTCIceCandidatePairStats> {
    let pairs = || {
        entries.iter().filter_map(|entry| match entry {
            RTCStatsReportEntry::IceCandidatePair(pair) => Some(pair),
            _ => None,
        })
    };
    let selected_id = entries.iter().find_map(|entry| match entry {
        RTCStatsReportEntry::Transport(transport)
            if !transport.selected_candidate_pair_id.is_empty() =>
        {
            Some(transport.selected_candidate_pair_id.as_str())
        }
        _ => None,
    });
    let succeeded =
        |pair: &&RTCIceCandidatePairStats| pair.state == RTCStatsIceCandidatePairState::Succeeded;
    selected_id
        .and_then(|id| pairs().find(|pair| pair.stats.id == id))
        .or_else(|| pairs().filter(succeeded).find(|pair| pair.nominated))
        .or_else(|| {
            pairs()
                .filter(succeeded)
                .max_by_key(|pair| pair.packets_received)
        })
}

/// The stats for the second between two samples; `None` for the first sample.
fn second(previous: &Totals, now: &Totals, links: &MonitorLinks) -> Option<LinkStats> {
    let elapsed = now
        .at?
        .saturating_duration_since(previous.at?)
        .as_secs_f64();
    if elapsed <= 0.0 {
        return None;
    }
    let per_second = |delta: u64| (delta as f64 / elapsed).round() as u32;
    let sent_bps = per_second(now.sent_bytes.saturating_sub(previous.sent_bytes) * 8);
    let received_bps = per_second(now.received_bytes.saturating_sub(previous.received_bytes) * 8);
    let fps = per_second(now.video_frames.saturating_sub(previous.video_frames));
    let stats = &links.stats;
    let target_bps = stats.video_target_bps.load(Relaxed);
    let height = stats.encode_height.load(Relaxed);
    let (rtt_ms, loss_permille) = stats.reported();
    let quality = quality_score(QualityInputs {
        rtt_ms,
        loss: f64::from(loss_permille) / 1000.0,
        // Audio is in the sent rate, not in the video target; both are small next to video.
        achieved_bps: sent_bps,
        target_bps,
        steps_down: (height > 0).then(|| stats.ladder_steps_down.load(Relaxed)),
    });
    Some(LinkStats {
        sent_kbps: sent_bps / 1000,
        received_kbps: received_bps / 1000,
        target_kbps: target_bps / 1000,
        estimate_kbps: links.estimate.bps() / 1000,
        fps,
        width: stats.encode_width.load(Relaxed),
        height,
        rtt_ms,
        loss_permille,
        quality,
        path: MediaPath::Unknown,
    })
}
