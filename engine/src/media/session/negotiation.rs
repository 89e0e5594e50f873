//! The session's side of the offer/answer exchange once it runs: the technician's answer and
//! candidates, and ICE restarts (a broken path, a network change).

use std::sync::atomic::Ordering;

use rtc::peer_connection::sdp::RTCSessionDescription;
use webrtc::peer_connection::RTCIceCandidateInit;

use super::{MediaError, MediaSession, Medium};

impl MediaSession {
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
        let payload_types = &self.links.payload_types;
        for (sender, slot) in [
            (&self.video_sender, payload_types.slot(Medium::Video)),
            (&self.audio_sender, payload_types.slot(Medium::Audio)),
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

    pub(super) async fn local_sdp(&self) -> Result<String, MediaError> {
        let description = self.pc.local_description().await.ok_or_else(|| {
            MediaError::InvalidConfig("the peer connection has no local description".into())
        })?;
        Ok(description.sdp)
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
