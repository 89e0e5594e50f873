//! The offer/answer exchange of a peer connection once it runs, for the lead's connection
//! and each collaborator's alike: the answer, the remote candidates, and ICE restarts (a
//! broken path, a network change).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtp_transceiver::RTCRtpTransceiverDirection;
use rtc::rtp_transceiver::RTCRtpTransceiverInit;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit};
use webrtc::rtp_transceiver::RtpSender;

use super::{MediaError, MediaSession, Medium};
use crate::media::net::peer::{Gathering, VIDEO_ORIENTATION_URI};
use crate::media::send::writer::Negotiated;

impl MediaSession {
    /// Applies the technician's SDP answer; media starts once ICE and DTLS complete
    /// ([`PeerEvent::Connected`]).
    pub async fn apply_answer(&self, sdp: String) -> Result<(), MediaError> {
        let senders = Senders {
            video: self.video_sender.as_ref(),
            audio: self.audio_sender.as_ref(),
            negotiated: &self.links.negotiated,
        };
        apply_answer(self.pc.as_ref(), &senders, sdp).await
    }

    /// Adds a candidate the technician's browser trickled. An empty candidate (the browser's
    /// end-of-candidates marker) is accepted and ignored.
    pub async fn add_remote_candidate(
        &self,
        candidate: lens_core::signal::IceCandidate,
    ) -> Result<(), MediaError> {
        add_remote_candidate(self.pc.as_ref(), candidate).await
    }

    pub(super) async fn local_sdp(&self) -> Result<String, MediaError> {
        local_sdp(self.pc.as_ref()).await
    }

    /// Restarts ICE on this connection (the path broke, or the device's network changed):
    /// new ICE credentials, sockets bound again to the interfaces there are now, candidates
    /// gathered again and trickled. Returns the restart's offer; the technician's answer goes
    /// to [`apply_answer`](Self::apply_answer) as usual. The DTLS session, the tracks and the
    /// encoders carry on; the first frame on the new path is a keyframe.
    pub async fn restart_ice(&self) -> Result<String, MediaError> {
        self.pc
            .restart_ice()
            .await
            .map_err(MediaError::webrtc("restart ICE"))?;
        let offer = self
            .pc
            .create_offer(None)
            .await
            .map_err(MediaError::webrtc("create the ICE restart offer"))?;
        self.pc
            .set_local_description(offer)
            .await
            .map_err(MediaError::webrtc("set the ICE restart offer"))?;
        // Frames sent while the old path was dying may be lost: start the new one afresh.
        self.links.keyframe_requests.request();
        self.local_sdp().await
    }
}

/// A connection's sending tracks and where the payload types its answer settled on go.
pub(crate) struct Senders<'a> {
    pub(crate) video: Option<&'a Arc<dyn RtpSender>>,
    pub(crate) audio: Option<&'a Arc<dyn RtpSender>>,
    pub(crate) negotiated: &'a Negotiated,
}

/// Applies `sdp`, the answer to this connection's offer. With no offer of ours awaiting an
/// answer, it answers an offer of a connection this one replaced (a restart's offer that
/// waited for a socket that came back, with the server's Start that made this connection) or
/// repeats one already applied: it is ignored, not refused, because a refused answer fails the
/// connection it reached.
pub(crate) async fn apply_answer(
    pc: &dyn PeerConnection,
    senders: &Senders<'_>,
    sdp: String,
) -> Result<(), MediaError> {
    if pc.pending_local_description().await.is_none() {
        tracing::info!("an answer with no offer awaiting it was ignored");
        return Ok(());
    }
    let answer =
        RTCSessionDescription::answer(sdp).map_err(|e| MediaError::InvalidAnswer(e.to_string()))?;
    pc.set_remote_description(answer)
        .await
        .map_err(|e| MediaError::InvalidAnswer(e.to_string()))?;
    // A receiver may renumber payload types in its answer; send what it will recognise.
    let senders_by_medium = [
        (Medium::Video, senders.video),
        (Medium::Audio, senders.audio),
    ];
    for (medium, sender) in senders_by_medium {
        let Some(sender) = sender else { continue };
        let parameters = sender
            .get_parameters()
            .await
            .map_err(MediaError::webrtc("read negotiated codecs"))?;
        match parameters.rtp_parameters.codecs.first() {
            Some(codec) => senders
                .negotiated
                .slot(medium)
                .store(codec.payload_type, Ordering::Relaxed),
            None => {
                return Err(MediaError::InvalidAnswer(
                    "the answer accepts none of the offered codecs for a sending track".into(),
                ));
            }
        }
        if medium == Medium::Video {
            let takes_it = parameters
                .rtp_parameters
                .header_extensions
                .iter()
                .any(|extension| extension.uri == VIDEO_ORIENTATION_URI);
            senders.negotiated.set_video_orientation(takes_it);
        }
    }
    Ok(())
}

pub(crate) async fn add_remote_candidate(
    pc: &dyn PeerConnection,
    candidate: lens_core::signal::IceCandidate,
) -> Result<(), MediaError> {
    if candidate.candidate.trim().is_empty() {
        return Ok(());
    }
    pc.add_ice_candidate(RTCIceCandidateInit {
        candidate: candidate.candidate,
        sdp_mid: candidate.sdp_mid,
        sdp_mline_index: candidate.sdp_mline_index,
        username_fragment: None,
        url: None,
    })
    .await
    .map_err(|e| MediaError::InvalidCandidate(e.to_string()))
}

pub(crate) async fn local_sdp(pc: &dyn PeerConnection) -> Result<String, MediaError> {
    let description = pc.local_description().await.ok_or_else(|| {
        MediaError::InvalidConfig("the peer connection has no local description".into())
    })?;
    Ok(description.sdp)
}

/// Adds `track` to the connection and returns its sender.
pub(crate) async fn add_track(
    pc: &dyn PeerConnection,
    track: &Arc<TrackLocalStaticSample>,
    direction: RTCRtpTransceiverDirection,
) -> Result<Arc<dyn RtpSender>, MediaError> {
    let transceiver = pc
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

/// Creates the offer and sets it as the local description. Every candidate goes with the
/// first m-line's mid (BUNDLE): a browser ignores one for another m-section. Read from the
/// SDP itself, and before gathering starts, so that the first trickled candidate has it too.
pub(crate) async fn set_offer(
    pc: &dyn PeerConnection,
    gathering: &Gathering,
) -> Result<(), MediaError> {
    let offer = pc
        .create_offer(None)
        .await
        .map_err(MediaError::webrtc("create offer"))?;
    if let Some(mid) = lens_core::signal::first_mid(&offer.sdp) {
        gathering.set_bundle_mid(mid.to_owned());
    }
    pc.set_local_description(offer)
        .await
        .map_err(MediaError::webrtc("set local description"))
}
