//! The local tracks the session sends on: a sample track with one encoding and a random
//! SSRC, and for video the reader of the keyframe requests that reach it.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Instant;

use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};

use super::keyframe::KeyframeRequests;
use crate::media::error::MediaError;
use crate::media::net::rtcp_tap::is_keyframe_request;
use crate::media::stats::StatsCounters;

/// A sample track with one encoding and a random SSRC.
pub(crate) fn local_track(
    kind: RtpCodecKind,
    codec: RTCRtpCodec,
) -> Result<(Arc<TrackLocalStaticSample>, u32), MediaError> {
    let ssrc = random_u32();
    // Audio and video in media streams of their own: a receiver synchronises the tracks of
    // one stream, and Chromium then holds every picture until the voice, delayed by its own
    // jitter buffer, catches up. Apart, the picture is shown as soon as it is decoded
    // (`tests/bench/latency.mjs`: that wait was most of the glass-to-glass latency through a
    // 40 ms link).
    let track = MediaStreamTrack::new(
        format!("lens-{kind}"),
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
pub(crate) async fn count_keyframe_requests(
    track: Arc<TrackLocalStaticSample>,
    stats: Arc<StatsCounters>,
    keyframe_requests: Arc<KeyframeRequests>,
) {
    while let Some(event) = track.poll().await {
        let TrackLocalEvent::OnRtcpPacket(packets) = event else {
            continue;
        };
        let requests = packets
            .iter()
            .filter(|p| is_keyframe_request(p.as_ref()))
            .count();
        for _ in 0..requests {
            StatsCounters::bump(&stats.keyframe_requests);
        }
        if requests > 0 {
            keyframe_requests.request();
        }
    }
}
