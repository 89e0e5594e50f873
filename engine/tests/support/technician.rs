//! The technician's side for the engine's media tests: a webrtc-rs peer configured like the
//! technician's browser (H.264 with the fmtp every browser accepts, Opus, the default NACK,
//! report and transport-wide CC interceptors) that decodes what it receives, records every
//! access unit as the receiver saw it, may send its own voice back, and, like a browser, asks
//! for a keyframe with a PLI when a frame arrived damaged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::reorder::{Released, ReorderBuffer};
use lens_engine::media::codec::OpusDecoder;
use lens_engine::media::codec::h264::{
    has_parameter_sets_before_idr, is_keyframe, sps_profile_level_id,
};
use lens_engine::media::source::read_frame_counter;
use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp::codec::h264::H264Packet;
use rtc::rtp::packet::Packet as RtpPacket;
use rtc::rtp::packetizer::Depacketizer;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCIceGatheringState,
    RTCPeerConnectionState, Registry,
};

/// The Opus the technician's browser offers and sends.
pub fn opus_parameters() -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: MIME_TYPE_OPUS.to_owned(),
            clock_rate: 48_000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
            rtcp_feedback: vec![],
        },
        payload_type: 111,
    }
}

/// What the technician's decoder made of one access unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Decoded,
    /// openh264 took it and gave no picture (its own error concealment is off, so this is a
    /// unit it could not use, such as a P frame whose reference never arrived).
    NoPicture,
    /// openh264 refused it.
    Error,
    /// Not given to the decoder: a hole in it, or in one since the last intact keyframe.
    AwaitingKeyframe,
}

/// One access unit as the technician's side received it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedFrame {
    pub keyframe: bool,
    /// Every packet of it arrived (the jitter buffer released no hole inside it).
    pub intact: bool,
    pub outcome: Outcome,
    pub parameter_sets_first: bool,
    pub profile_level_id: Option<[u8; 3]>,
    /// The test pattern's frame counter, read from the decoded picture (`None`: not decoded,
    /// or not readable: a picture scaled down blurs the counter's cells).
    pub counter: Option<u32>,
    /// The decoded picture's width and height, and the mean luma of an 8x8 block in each of
    /// its corners: top left, top right, bottom left, bottom right.
    pub picture: Option<((u32, u32), [u8; 4])>,
    /// The video-orientation extension's value on the access unit's last packet (`None`: not
    /// there); its low two bits are the clockwise turn in quarters.
    pub orientation: Option<u8>,
    pub at: Instant,
}

impl ReceivedFrame {
    /// openh264 turned it into a picture.
    pub fn decoded(&self) -> bool {
        self.outcome == Outcome::Decoded
    }
}

/// What the technician's side got.
#[derive(Default)]
pub struct Received {
    pub video_packets: AtomicU64,
    pub audio_packets: AtomicU64,
    /// Every access unit, in arrival order.
    pub frames: Mutex<Vec<ReceivedFrame>>,
    /// Access units openh264 turned into pictures.
    pub frames_decoded: AtomicU64,
    /// Intact IDR access units among them.
    pub keyframes_decoded: AtomicU64,
    pub plis_sent: AtomicU64,
    pub audio_decoded: AtomicU64,
    /// RTP sequence numbers of the audio packets, in arrival order.
    pub audio_sequences: Mutex<Vec<u16>>,
}

impl Received {
    pub fn frames(&self) -> Vec<ReceivedFrame> {
        self.frames.lock().unwrap().clone()
    }

    /// RTP packets of both media.
    pub fn packets(&self) -> u64 {
        self.video_packets.load(Ordering::SeqCst) + self.audio_packets.load(Ordering::SeqCst)
    }
}

pub struct Technician {
    pub pc: Arc<dyn PeerConnection>,
    pub answer: String,
    /// Turns true while the technician's peer connection is connected.
    pub connected: watch::Receiver<bool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// The customer's video as received, once it arrived.
    video: Arc<Mutex<Option<Arc<dyn TrackRemote>>>>,
}

impl Technician {
    /// Sends a PLI for the customer's video, as a browser does when its decoder lost the
    /// picture. False while no video has arrived yet.
    pub async fn send_pli(&self, received: &Received) -> bool {
        let Some(track) = self.video.lock().unwrap().clone() else {
            return false;
        };
        let media_ssrc = track.ssrcs().await.first().copied().unwrap_or_default();
        received.plis_sent.fetch_add(1, Ordering::SeqCst);
        track
            .write_rtcp(vec![Box::new(PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc,
            })])
            .await
            .is_ok()
    }

    pub async fn close(self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        let _ = self.pc.close().await;
    }
}

struct Handler {
    gathered: watch::Sender<bool>,
    connected: watch::Sender<bool>,
    tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.send_replace(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        self.connected
            .send_replace(state == RTCPeerConnectionState::Connected);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.tracks.send(track);
    }
}

/// Answers `offer` (receive only) and starts decoding whatever tracks arrive.
pub async fn technician_answering(offer: &str, received: Arc<Received>) -> Technician {
    answer(offer, received, None, false).await
}

/// As [`technician_answering`], for a receiver that accepts the video-orientation extension
/// (CVO), as Chromium does: it turns pictures for display, so it can take them as they lie.
pub async fn technician_answering_with_orientation(
    offer: &str,
    received: Arc<Received>,
) -> Technician {
    answer(offer, received, None, true).await
}

const VIDEO_ORIENTATION_URI: &str = "urn:3gpp:video-orientation";

/// Answers `offer`, sending `voice` back on the audio m-line, and starts decoding whatever
/// tracks arrive.
pub async fn technician_answering_with_voice(
    offer: &str,
    received: Arc<Received>,
    voice: Arc<TrackLocalStaticSample>,
) -> Technician {
    answer(offer, received, Some(voice), false).await
}

async fn answer(
    offer: &str,
    received: Arc<Received>,
    voice: Option<Arc<TrackLocalStaticSample>>,
    takes_orientation: bool,
) -> Technician {
    let mut media_engine = MediaEngine::default();
    media_engine
        .register_codec(
            RTCRtpCodecParameters {
                rtp_codec: RTCRtpCodec {
                    mime_type: MIME_TYPE_H264.to_owned(),
                    clock_rate: 90_000,
                    channels: 0,
                    sdp_fmtp_line:
                        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
                            .to_owned(),
                    rtcp_feedback: vec![],
                },
                payload_type: 102,
            },
            RtpCodecKind::Video,
        )
        .unwrap();
    media_engine
        .register_codec(opus_parameters(), RtpCodecKind::Audio)
        .unwrap();
    if takes_orientation {
        media_engine
            .register_header_extension(
                RTCRtpHeaderExtensionCapability {
                    uri: VIDEO_ORIENTATION_URI.to_owned(),
                },
                RtpCodecKind::Video,
                None,
            )
            .unwrap();
    }
    // The defaults include the transport-wide CC receiver: it sends the feedback the
    // customer's congestion controller runs on, as a browser does.
    let registry = register_default_interceptors(Registry::new(), &mut media_engine).unwrap();
    let (gathered_tx, mut gathered) = watch::channel(false);
    let (connected_tx, connected) = watch::channel(false);
    let (tracks_tx, mut tracks) = mpsc::unbounded_channel();
    let pc: Arc<dyn PeerConnection> = Arc::new(
        PeerConnectionBuilder::<String>::new()
            .with_media_engine(media_engine)
            .with_interceptor_registry(registry)
            .with_setting_engine(
                SettingEngineBuilder::new()
                    .with_multicast_dns_mode(MulticastDnsMode::Disabled)
                    .build(),
            )
            .with_handler(Arc::new(Handler {
                gathered: gathered_tx,
                connected: connected_tx,
                tracks: tracks_tx,
            }))
            .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
            .build()
            .await
            .expect("technician peer connection"),
    );
    pc.set_remote_description(RTCSessionDescription::offer(offer.to_owned()).unwrap())
        .await
        .unwrap();
    if let Some(voice) = voice {
        pc.add_track(voice as Arc<dyn TrackLocal>).await.unwrap();
    }
    let answer = pc.create_answer(None).await.unwrap();
    pc.set_local_description(answer).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), gathered.wait_for(|g| *g))
        .await
        .expect("technician gathered candidates")
        .unwrap();
    let answer = pc.local_description().await.unwrap().sdp;
    // The id the answer gave the extension, to find it on the packets.
    let orientation_id = answer.lines().find_map(|line| {
        let rest = line.strip_prefix("a=extmap:")?;
        let (id, uri) = rest.split_once(' ')?;
        (uri.trim() == VIDEO_ORIENTATION_URI).then(|| id.split('/').next()?.parse::<u8>().ok())?
    });

    let tasks = Arc::new(Mutex::new(Vec::new()));
    let video = Arc::new(Mutex::new(None));
    let spawner = Arc::clone(&tasks);
    let video_slot = Arc::clone(&video);
    let task = tokio::spawn(async move {
        while let Some(track) = tracks.recv().await {
            let received = Arc::clone(&received);
            let task = match track.kind().await {
                RtpCodecKind::Video => {
                    *video_slot.lock().unwrap() = Some(Arc::clone(&track));
                    tokio::spawn(receive_video(track, received, orientation_id))
                }
                _ => tokio::spawn(receive_audio(track, received)),
            };
            spawner.lock().unwrap().push(task);
        }
    });
    tasks.lock().unwrap().push(task);
    Technician {
        pc,
        answer,
        connected,
        tasks,
        video,
    }
}

/// Reassembles access units (the marker bit ends one), decodes them and reads the test
/// pattern's frame counter out of each picture. Packets pass a jitter buffer first, so a NACK
/// retransmission that arrives late still fills its hole; a hole given up on damages the frame
/// being assembled; then, like a browser, it asks for a keyframe (at most every 300 ms) and
/// decodes nothing until one arrives.
async fn receive_video(
    track: Arc<dyn TrackRemote>,
    received: Arc<Received>,
    orientation_id: Option<u8>,
) {
    let mut buffer = ReorderBuffer::default();
    let mut assembler = Assembler {
        orientation_id,
        depacketizer: H264Packet::default(),
        decoder: Decoder::new().expect("H.264 decoder"),
        access_unit: Vec::new(),
        intact: true,
        need_keyframe: false,
        last_pli: None,
        media_ssrc: track.ssrcs().await.first().copied().unwrap_or_default(),
    };
    loop {
        // Wakes every 20 ms without packets, so a hole is given up on in time.
        match tokio::time::timeout(Duration::from_millis(20), track.poll()).await {
            Ok(None) => return,
            Ok(Some(TrackRemoteEvent::OnRtpPacket(packet))) => {
                received.video_packets.fetch_add(1, Ordering::SeqCst);
                buffer.push(packet.header.sequence_number, packet, Instant::now());
            }
            Ok(Some(_)) | Err(_) => {}
        }
        for released in buffer.pop(Instant::now()) {
            match released {
                Released::Gap => assembler.gap(),
                Released::Packet(packet) => assembler.packet(&track, &received, packet).await,
            }
        }
    }
}

/// Turns in-order packets into access units and pictures.
struct Assembler {
    depacketizer: H264Packet,
    decoder: Decoder,
    access_unit: Vec<u8>,
    intact: bool,
    need_keyframe: bool,
    last_pli: Option<Instant>,
    media_ssrc: u32,
    orientation_id: Option<u8>,
}

impl Assembler {
    /// A hole: the access unit being put together is damaged, and so is the NAL unit the
    /// depacketizer may hold half of. rtc's `H264Packet` keeps FU-A fragments until one with
    /// the end bit comes, whatever came between (it never looks at the start bit), so a half it
    /// kept would be glued in front of the next fragmented NAL unit. At the bottom of the
    /// ladder P frames fit in one packet each, and that next one is the keyframe: it then
    /// failed to decode with every packet of it there, and the picture stayed frozen until
    /// another keyframe came (seconds, on a link without loss to cause a PLI).
    fn gap(&mut self) {
        self.intact = false;
        self.depacketizer = H264Packet::default();
    }

    async fn packet(
        &mut self,
        track: &Arc<dyn TrackRemote>,
        received: &Received,
        packet: RtpPacket,
    ) {
        match self.depacketizer.depacketize(&packet.payload) {
            Ok(nals) => self.access_unit.extend_from_slice(&nals),
            Err(_) => self.intact = false,
        }
        if !packet.header.marker {
            return;
        }
        let orientation = self
            .orientation_id
            .and_then(|id| packet.header.get_extension(id))
            .and_then(|value| value.first().copied());
        let access_unit = std::mem::take(&mut self.access_unit);
        let keyframe = is_keyframe(&access_unit);
        if self.intact && keyframe {
            self.need_keyframe = false;
        }
        if !self.intact {
            self.need_keyframe = true;
        }
        let mut counter = None;
        let mut outcome = Outcome::AwaitingKeyframe;
        let mut seen = None;
        if !self.need_keyframe {
            let result = self.decoder.decode(&access_unit);
            outcome = match &result {
                Ok(Some(_)) => Outcome::Decoded,
                Ok(None) => Outcome::NoPicture,
                Err(_) => Outcome::Error,
            };
            if let Ok(Some(picture)) = result {
                received.frames_decoded.fetch_add(1, Ordering::SeqCst);
                if keyframe {
                    received.keyframes_decoded.fetch_add(1, Ordering::SeqCst);
                }
                let (w, h) = picture.dimensions();
                let stride = picture.strides().0;
                counter = read_frame_counter(picture.y(), stride, w as u32, h as u32);
                let corner = |x0: usize, y0: usize| {
                    let sum: u32 = (y0..y0 + 8)
                        .flat_map(|y| (x0..x0 + 8).map(move |x| (x, y)))
                        .map(|(x, y)| u32::from(picture.y()[y * stride + x]))
                        .sum();
                    (sum / 64) as u8
                };
                let corners = [
                    corner(0, 0),
                    corner(w - 8, 0),
                    corner(0, h - 8),
                    corner(w - 8, h - 8),
                ];
                seen = Some(((w as u32, h as u32), corners));
            }
        } else if self
            .last_pli
            .is_none_or(|at| at.elapsed() >= Duration::from_millis(300))
        {
            self.last_pli = Some(Instant::now());
            received.plis_sent.fetch_add(1, Ordering::SeqCst);
            let _ = track
                .write_rtcp(vec![Box::new(PictureLossIndication {
                    sender_ssrc: 0,
                    media_ssrc: self.media_ssrc,
                })])
                .await;
        }
        received.frames.lock().unwrap().push(ReceivedFrame {
            keyframe,
            intact: self.intact,
            outcome,
            parameter_sets_first: has_parameter_sets_before_idr(&access_unit),
            profile_level_id: sps_profile_level_id(&access_unit),
            counter,
            picture: seen,
            orientation,
            at: Instant::now(),
        });
        self.intact = true;
    }
}

async fn receive_audio(track: Arc<dyn TrackRemote>, received: Arc<Received>) {
    let mut decoder = OpusDecoder::new().unwrap();
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            continue;
        };
        received.audio_packets.fetch_add(1, Ordering::SeqCst);
        received
            .audio_sequences
            .lock()
            .unwrap()
            .push(packet.header.sequence_number);
        if decoder
            .decode(&packet.payload)
            .is_ok_and(|pcm| pcm.len() == 960)
        {
            received.audio_decoded.fetch_add(1, Ordering::SeqCst);
        }
    }
}
