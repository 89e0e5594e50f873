//! A collaborating technician's peer connection (seed 004): the same encoded camera and
//! microphone as the lead's (the session's one capture and one encoder write every frame to
//! each technician's track), sent end to end encrypted from the phone to that technician,
//! and their voice mixed into the playback only if the lead let them talk.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use webrtc::peer_connection::PeerConnection;
use webrtc::rtp_transceiver::RtpSender;

use super::MediaSession;
use super::negotiation::{self, Senders};
use crate::media::codec::OpusEncoder;
use crate::media::config::MediaConfig;
use crate::media::error::MediaError;
use crate::media::estimate::BandwidthEstimate;
use crate::media::events::{EventSender, PeerEvent};
use crate::media::net::peer::{
    self, AUDIO_PAYLOAD_TYPE, Gathering, Negotiation, PeerLinks, TaskList, VIDEO_PAYLOAD_TYPE,
};
use crate::media::recv::sink::{AudioSink, NullSink};
use crate::media::send::AUDIO_QUEUE;
use crate::media::send::audio::AudioRoute;
use crate::media::send::track::{count_keyframe_requests, local_track};
use crate::media::send::writer::{Medium, Negotiated, Outlet, Outlets, write_frames};
use crate::media::stats::StatsCounters;

/// One collaborator's connection and what runs for it.
pub(crate) struct Collaborator {
    pc: Arc<dyn PeerConnection>,
    video_sender: Option<Arc<dyn RtpSender>>,
    audio_sender: Option<Arc<dyn RtpSender>>,
    negotiated: Arc<Negotiated>,
    /// Its video outlet's wait for a keyframe (set again whenever the connection comes up).
    awaiting_keyframe: Arc<AtomicBool>,
    events: Arc<EventSender>,
    /// The connection handler's tasks (their voice).
    handler_tasks: Arc<TaskList>,
    tasks: Vec<JoinHandle<()>>,
}

impl Collaborator {
    /// Closes the connection; the session's other connections go on.
    pub(crate) async fn close(self) {
        for task in self.tasks {
            task.abort();
        }
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "closing a collaborator's connection");
        }
        self.events.close();
        let tasks = std::mem::take(&mut *self.handler_tasks.lock().expect("task list lock"));
        for task in tasks {
            task.abort();
        }
    }
}

impl MediaSession {
    /// Adds a peer connection for collaborator `peer` to the running session and returns
    /// its offer (trickling: candidates follow as [`PeerEvent::LocalCandidate`] on
    /// `events`). `config` gives this call's STUN and TURN servers. A connection `peer`
    /// already has is replaced.
    ///
    /// No capture starts and no encoder is added: the frames the lead receives go to this
    /// connection too. Its congestion controller starts from what the encoder sends now (the
    /// uplink is the same), and the encoder follows the lowest estimate from then on.
    pub async fn add_collaborator(
        &mut self,
        peer: &str,
        talk: bool,
        config: &MediaConfig,
        negotiation: Negotiation,
        events: mpsc::UnboundedSender<PeerEvent>,
    ) -> Result<String, MediaError> {
        self.remove_collaborator(peer).await;
        let estimate = BandwidthEstimate::new(self.links.encoder_estimate.bps());
        let (gathering, _) = Gathering::new(Negotiation {
            trickle: true,
            ..negotiation
        });
        let events = Arc::new(EventSender::new(events));
        let handler_tasks = Arc::<TaskList>::default();
        // Their own counters: the statistics the lead's console reads are the lead's link.
        let stats = Arc::default();
        let sink: Arc<dyn AudioSink> = match talk {
            true => self.links.mixer.input(Some(peer.to_owned())),
            false => Arc::new(NullSink),
        };
        let awaiting_keyframe = Arc::new(AtomicBool::new(true));
        let links = PeerLinks {
            events: Arc::clone(&events),
            run: Arc::default(),
            stats: Arc::clone(&stats),
            estimate: estimate.clone(),
            gathering: Arc::clone(&gathering),
            sink,
            tasks: Arc::clone(&handler_tasks),
            keyframe_on_connect: Some((
                Arc::clone(&self.links.keyframe_requests),
                Arc::clone(&awaiting_keyframe),
            )),
        };
        let pc = peer::build(config, links, estimate.bps()).await?;
        let mut collaborator = Collaborator {
            pc,
            video_sender: None,
            audio_sender: None,
            negotiated: Arc::new(Negotiated::new(VIDEO_PAYLOAD_TYPE, AUDIO_PAYLOAD_TYPE)),
            awaiting_keyframe,
            events,
            handler_tasks,
            tasks: Vec::new(),
        };
        match self
            .connect_collaborator(peer, talk, config, &mut collaborator, &gathering, stats)
            .await
        {
            Ok(offer) => {
                self.links.encoder_estimate.add(peer, estimate);
                self.collaborators.insert(peer.to_owned(), collaborator);
                Ok(offer)
            }
            Err(error) => {
                self.forget_outlets(peer);
                collaborator.close().await;
                Err(error)
            }
        }
    }

    /// The tracks (video first, audio second, as on the lead's connection) and the offer.
    async fn connect_collaborator(
        &self,
        peer: &str,
        talk: bool,
        config: &MediaConfig,
        collaborator: &mut Collaborator,
        gathering: &Gathering,
        stats: Arc<StatsCounters>,
    ) -> Result<String, MediaError> {
        let pc = collaborator.pc.as_ref();
        if self.video_sender.is_some() {
            let (track, ssrc) = local_track(RtpCodecKind::Video, peer::video_codec())?;
            let sender =
                negotiation::add_track(pc, &track, RTCRtpTransceiverDirection::Sendonly).await?;
            collaborator
                .tasks
                .push(tokio::spawn(count_keyframe_requests(
                    Arc::clone(&track),
                    Arc::clone(&stats),
                    Arc::clone(&self.links.keyframe_requests),
                )));
            self.links
                .video_outlets
                .add(self.outlet(peer, track, ssrc, collaborator));
            collaborator.video_sender = Some(sender);
        }
        if self.audio_sender.is_some() {
            let (track, ssrc) = local_track(RtpCodecKind::Audio, peer::audio_codec())?;
            let direction = match talk {
                true => RTCRtpTransceiverDirection::Sendrecv,
                false => RTCRtpTransceiverDirection::Sendonly,
            };
            let sender = negotiation::add_track(pc, &track, direction).await?;
            // Their own stream: the microphone plus the other technicians' voices.
            let (frames_tx, frames) = mpsc::channel(AUDIO_QUEUE);
            let outlets = Outlets::default();
            outlets.add(self.outlet(peer, track, ssrc, collaborator));
            collaborator.tasks.push(tokio::spawn(write_frames(
                outlets,
                Medium::Audio,
                Arc::clone(&stats),
                frames,
            )));
            self.links.audio_routes.add(AudioRoute {
                peer: peer.to_owned(),
                talk,
                encoder: OpusEncoder::new(config.voice)?,
                frames: frames_tx,
                stats,
                dropped: 0,
            });
            collaborator.audio_sender = Some(sender);
        } else if talk {
            pc.add_transceiver_from_kind(
                RtpCodecKind::Audio,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Recvonly,
                    ..Default::default()
                }),
            )
            .await
            .map_err(MediaError::webrtc("add audio receiver"))?;
        }
        negotiation::set_offer(pc, gathering).await?;
        gathering.offer_returned();
        negotiation::local_sdp(pc).await
    }

    fn outlet(
        &self,
        peer: &str,
        track: Arc<webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample>,
        ssrc: u32,
        collaborator: &Collaborator,
    ) -> Outlet {
        Outlet {
            peer: Some(peer.to_owned()),
            track,
            ssrc,
            negotiated: Arc::clone(&collaborator.negotiated),
            awaiting_keyframe: Arc::clone(&collaborator.awaiting_keyframe),
        }
    }

    fn forget_outlets(&self, peer: &str) {
        self.links.video_outlets.remove(peer);
        self.links.audio_routes.remove(peer);
        self.links.encoder_estimate.remove(peer);
    }

    /// Closes collaborator `peer`'s connection; nothing more is sent to them. The lead's
    /// connection and the other collaborators' go on.
    pub async fn remove_collaborator(&mut self, peer: &str) {
        self.forget_outlets(peer);
        if let Some(collaborator) = self.collaborators.remove(peer) {
            collaborator.close().await;
        }
    }

    /// The collaborator's answer to [`add_collaborator`](Self::add_collaborator)'s offer.
    pub async fn apply_collaborator_answer(
        &self,
        peer: &str,
        sdp: String,
    ) -> Result<(), MediaError> {
        let collaborator = self.collaborator(peer)?;
        let senders = Senders {
            video: collaborator.video_sender.as_ref(),
            audio: collaborator.audio_sender.as_ref(),
            negotiated: &collaborator.negotiated,
        };
        negotiation::apply_answer(collaborator.pc.as_ref(), &senders, sdp).await
    }

    pub async fn add_collaborator_candidate(
        &self,
        peer: &str,
        candidate: lens_core::signal::IceCandidate,
    ) -> Result<(), MediaError> {
        let collaborator = self.collaborator(peer)?;
        negotiation::add_remote_candidate(collaborator.pc.as_ref(), candidate).await
    }

    /// How many collaborators have a connection now.
    pub fn collaborator_count(&self) -> usize {
        self.collaborators.len()
    }

    fn collaborator(&self, peer: &str) -> Result<&Collaborator, MediaError> {
        self.collaborators
            .get(peer)
            .ok_or_else(|| MediaError::InvalidConfig(format!("no collaborator {peer:?}")))
    }
}
