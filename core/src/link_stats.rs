//! The per-second numbers about the media connection that the customer app shows and that go
//! to the technician's console, and the 0–5 network-quality score derived from them.
//!
//! Integers only (kbit/s, milliseconds, per mille): the same struct is a UI event, a UniFFI
//! record and a JSON signalling message, and exact comparisons keep the session's tests simple.

use serde::{Deserialize, Serialize};

/// One second of the customer's media connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LinkStats {
    /// Video and audio sent over the last second, RTP headers included.
    pub sent_kbps: u32,
    /// The technician's audio received over the last second.
    pub received_kbps: u32,
    /// What the video encoder is asked for now (the congestion controller's estimate less the
    /// audio reserve, capped by the ladder's rung).
    pub target_kbps: u32,
    /// The congestion controller's estimate of the whole uplink.
    pub estimate_kbps: u32,
    /// Video frames sent over the last second.
    pub fps: u32,
    /// The size being encoded now (0 x 0 without video).
    pub width: u32,
    pub height: u32,
    /// Round-trip time from RTCP receiver reports; `None` until the first report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<u32>,
    /// Packets the technician reported lost, in per mille: the worse of the video's and the
    /// audio's last RTCP reports.
    pub loss_permille: u32,
    /// [`quality_score`] of the above.
    pub quality: u8,
    /// The path media takes now (direct, through NAT, relayed).
    #[serde(default)]
    pub path: crate::signal::MediaPath,
}

/// What the score is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityInputs {
    pub rtt_ms: Option<u32>,
    /// 0.0 to 1.0.
    pub loss: f64,
    /// What was sent over the last second, and what the encoder was asked for.
    pub achieved_bps: u32,
    pub target_bps: u32,
    /// Rungs of the resolution/frame-rate ladder given up for the link (0: the best the
    /// camera allows; 720p30 → 540p30 → 360p30 → 360p15 → 270p15 → 180p15); `None` without
    /// video.
    pub steps_down: Option<u32>,
}

/// The network quality a customer can read at a glance: 5 excellent, 4 good, 3 fair, 2 poor,
/// 1 bad, 0 unusable. The worst of four sub-scores, because each alone is enough to spoil a
/// support call:
///
/// | score | RTT        | loss      | ladder steps down | achieved / target |
/// |-------|------------|-----------|-------------------|-------------------|
/// | 5     | < 150 ms   | < 1 %     | 0                 | ≥ 50 %            |
/// | 4     | < 250 ms   | < 3 %     | 1                 | ≥ 25 %            |
/// | 3     | < 400 ms   | < 6 %     | 2                 | less              |
/// | 2     | < 700 ms   | < 12 %    | 3                 |                   |
/// | 1     | < 1500 ms  | < 25 %    | 4 or more         |                   |
/// | 0     | longer     | more      |                   |                   |
///
/// RTT: conversation is comfortable below 150 ms and impaired past about 400 (ITU-T G.114);
/// loss: Opus with in-band FEC conceals a few per cent, H.264 without FEC freezes beyond
/// about 10 %. The ladder steps say what the picture had to give up for the link (720p30 at
/// 0, 360p15 at 3). The achieved rate catches a link that cannot carry even what the encoder
/// produces; an encoder also undershoots on a still picture, so this ratio alone never brings
/// the score below 3. An unknown RTT (no receiver report yet) and a session without video do
/// not lower the score.
pub fn quality_score(inputs: QualityInputs) -> u8 {
    let rtt = match inputs.rtt_ms {
        None => 5,
        Some(ms) => step(f64::from(ms), &[150.0, 250.0, 400.0, 700.0, 1500.0]),
    };
    let loss = step(inputs.loss * 100.0, &[1.0, 3.0, 6.0, 12.0, 25.0]);
    let ladder = match inputs.steps_down {
        None => 5,
        Some(steps) => 5u32.saturating_sub(steps).max(1) as u8,
    };
    let rate = if inputs.target_bps == 0 {
        5
    } else {
        let ratio = f64::from(inputs.achieved_bps) / f64::from(inputs.target_bps);
        match ratio {
            r if r >= 0.50 => 5,
            r if r >= 0.25 => 4,
            _ => 3,
        }
    };
    rtt.min(loss).min(ladder).min(rate)
}

/// 5 below the first threshold, 4 below the second, … 0 at or above the last.
fn step(value: f64, thresholds: &[f64; 5]) -> u8 {
    let above = thresholds.iter().filter(|&&t| value >= t).count();
    5 - above as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> QualityInputs {
        QualityInputs {
            rtt_ms: Some(40),
            loss: 0.0,
            achieved_bps: 2_000_000,
            target_bps: 2_000_000,
            steps_down: Some(0),
        }
    }

    #[test]
    fn a_clean_720p_link_is_excellent() {
        assert_eq!(quality_score(good()), 5);
    }

    #[test]
    fn each_input_alone_can_lower_the_score() {
        assert_eq!(
            quality_score(QualityInputs {
                rtt_ms: Some(300),
                ..good()
            }),
            3
        );
        assert_eq!(
            quality_score(QualityInputs {
                loss: 0.05,
                ..good()
            }),
            3
        );
        assert_eq!(
            quality_score(QualityInputs {
                steps_down: Some(2),
                ..good()
            }),
            3
        );
        assert_eq!(
            quality_score(QualityInputs {
                steps_down: Some(9),
                ..good()
            }),
            1
        );
        assert_eq!(
            quality_score(QualityInputs {
                achieved_bps: 400_000,
                ..good()
            }),
            3
        );
    }

    #[test]
    fn thresholds_are_inclusive_at_the_worse_side() {
        assert_eq!(
            quality_score(QualityInputs {
                rtt_ms: Some(149),
                ..good()
            }),
            5
        );
        assert_eq!(
            quality_score(QualityInputs {
                rtt_ms: Some(150),
                ..good()
            }),
            4
        );
        assert_eq!(
            quality_score(QualityInputs {
                loss: 0.25,
                ..good()
            }),
            0
        );
        assert_eq!(
            quality_score(QualityInputs {
                rtt_ms: Some(2000),
                ..good()
            }),
            0
        );
    }

    #[test]
    fn unknowns_do_not_lower_the_score() {
        let audio_only = QualityInputs {
            rtt_ms: None,
            steps_down: None,
            target_bps: 0,
            ..good()
        };
        assert_eq!(quality_score(audio_only), 5);
    }

    #[test]
    fn the_worst_sub_score_wins() {
        let bad = QualityInputs {
            rtt_ms: Some(500),
            loss: 0.04,
            steps_down: Some(1),
            ..good()
        };
        assert_eq!(quality_score(bad), 2);
    }

    #[test]
    fn link_stats_travel_as_json_without_an_unknown_rtt() {
        let stats = LinkStats {
            sent_kbps: 900,
            quality: 4,
            ..LinkStats::default()
        };
        let text = serde_json::to_string(&stats).unwrap();
        assert!(!text.contains("rtt_ms"), "{text}");
        assert_eq!(serde_json::from_str::<LinkStats>(&text).unwrap(), stats);
    }
}
