//! A `MediaSession` against a second, in-process webrtc-rs peer that plays the technician's
//! browser: it answers the offer, decodes the H.264 it receives, counts the Opus, sends a tone
//! back, and asks for a keyframe with a PLI.
//!
//! Everything binds 127.0.0.1 and no STUN server is configured, so no packet leaves loopback.
//! `make test` runs this file inside a network namespace that has only `lo`
//! (`unshare -n sh -c 'ip link set lo up; cargo test -p lens-engine --test media_loopback'`, as
//! root), which is how every WebRTC test on these machines runs; without the namespace it
//! still works but ICE also probes the machine's other interfaces.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtp::codec::h264::H264Packet;
use rtc::rtp::packetizer::Depacketizer;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCIceGatheringState,
    RTCPeerConnectionState, Registry,
};

use lens_engine::media::codec::h264::{
    has_parameter_sets_before_idr, is_keyframe, sps_profile_level_id,
};
use lens_engine::media::codec::{OpusDecoder, PROFILE_LEVEL_ID};
use lens_engine::media::source::{SineTone, read_frame_counter};
use lens_engine::media::{
    AudioSourceConfig, MediaConfig, MediaSession, PeerEvent, PlaybackConfig, VideoSourceConfig,
};

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const DEADLINE: Duration = Duration::from_secs(15);

fn media_config() -> MediaConfig {
    MediaConfig {
        bind_ip: "127.0.0.1".parse().unwrap(),
        ice_servers: vec![],
        video: VideoSourceConfig::Synthetic {
            width: WIDTH,
            height: HEIGHT,
            fps: 30,
        },
        audio: AudioSourceConfig::Synthetic {
            frequency_hz: 440.0,
        },
        playback: PlaybackConfig::Null,
        ..MediaConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// The technician's side
// ---------------------------------------------------------------------------------------

/// One access unit as the technician's side received and decoded it.
#[derive(Debug, Clone)]
struct ReceivedFrame {
    keyframe: bool,
    parameter_sets_first: bool,
    profile_level_id: Option<[u8; 3]>,
    /// The test pattern's frame counter, read from the decoded picture.
    counter: Option<u32>,
    at: Instant,
}

#[derive(Default)]
struct Received {
    video_packets: AtomicU64,
    audio_packets: AtomicU64,
    audio_decoded: AtomicU64,
    frames: Mutex<Vec<ReceivedFrame>>,
}

impl Received {
    fn frames(&self) -> Vec<ReceivedFrame> {
        self.frames.lock().unwrap().clone()
    }
    fn packets(&self) -> u64 {
        self.video_packets.load(Ordering::SeqCst) + self.audio_packets.load(Ordering::SeqCst)
    }
}

struct TechnicianHandler {
    gathered: watch::Sender<bool>,
    connected: watch::Sender<bool>,
    tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for TechnicianHandler {
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

struct Technician {
    pc: Arc<dyn PeerConnection>,
    gathered: watch::Receiver<bool>,
    connected: watch::Receiver<bool>,
    tracks: mpsc::UnboundedReceiver<Arc<dyn TrackRemote>>,
}

/// A receiver configured the way the technician's browser is: H.264 with the fmtp every
/// browser accepts, Opus, default NACK and report interceptors.
async fn technician() -> Technician {
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
    let registry = register_default_interceptors(Registry::new(), &mut media_engine).unwrap();

    let (gathered_tx, gathered) = watch::channel(false);
    let (connected_tx, connected) = watch::channel(false);
    let (tracks_tx, tracks) = mpsc::unbounded_channel();
    let pc = PeerConnectionBuilder::<String>::new()
        .with_media_engine(media_engine)
        .with_interceptor_registry(registry)
        .with_setting_engine(
            SettingEngineBuilder::new()
                .with_multicast_dns_mode(MulticastDnsMode::Disabled)
                .build(),
        )
        .with_handler(Arc::new(TechnicianHandler {
            gathered: gathered_tx,
            connected: connected_tx,
            tracks: tracks_tx,
        }))
        .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
        .build()
        .await
        .expect("technician peer connection");
    Technician {
        pc: Arc::new(pc),
        gathered,
        connected,
        tracks,
    }
}

fn opus_parameters() -> RTCRtpCodecParameters {
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

/// Reassembles access units (the marker bit ends one), decodes them with openh264 and reads
/// the frame counter out of each picture.
async fn receive_video(track: Arc<dyn TrackRemote>, received: Arc<Received>) {
    let mut depacketizer = H264Packet::default();
    let mut decoder = Decoder::new().expect("H.264 decoder");
    let mut access_unit = Vec::new();
    let mut last_sequence: Option<u16> = None;
    let mut intact = true;
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            continue;
        };
        received.video_packets.fetch_add(1, Ordering::SeqCst);
        let sequence = packet.header.sequence_number;
        if last_sequence.is_some_and(|last| sequence != last.wrapping_add(1)) {
            intact = false;
        }
        last_sequence = Some(sequence);
        match depacketizer.depacketize(&packet.payload) {
            Ok(nals) => access_unit.extend_from_slice(&nals),
            Err(_) => intact = false,
        }
        if !packet.header.marker {
            continue;
        }
        let keyframe = is_keyframe(&access_unit);
        let mut counter = None;
        if intact && let Ok(Some(picture)) = decoder.decode(&access_unit) {
            let (w, h) = picture.dimensions();
            counter = read_frame_counter(picture.y(), picture.strides().0, w as u32, h as u32);
        }
        received.frames.lock().unwrap().push(ReceivedFrame {
            keyframe,
            parameter_sets_first: has_parameter_sets_before_idr(&access_unit),
            profile_level_id: sps_profile_level_id(&access_unit),
            counter,
            at: Instant::now(),
        });
        access_unit.clear();
        intact = true;
    }
}

async fn receive_audio(track: Arc<dyn TrackRemote>, received: Arc<Received>) {
    let mut decoder = OpusDecoder::new().unwrap();
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            continue;
        };
        received.audio_packets.fetch_add(1, Ordering::SeqCst);
        if decoder
            .decode(&packet.payload)
            .is_ok_and(|pcm| pcm.len() == 960)
        {
            received.audio_decoded.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The technician's voice: a 440 Hz tone at about -14 dBFS, in real time.
async fn send_tone(track: Arc<TrackLocalStaticSample>, ssrc: u32, payload_type: u8) {
    let mut tone = SineTone::new(440.0);
    // Encoded as a browser does (no DTX): the customer's voice profile has DTX on, and its
    // voice detector takes a steady tone for background noise and sends it as silence.
    let mut encoder =
        opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let mut packet = [0u8; 1500];
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    loop {
        ticker.tick().await;
        let len = encoder.encode(tone.render(), &mut packet).unwrap();
        let sample = Sample {
            data: bytes::Bytes::copy_from_slice(&packet[..len]),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now())
        };
        if track
            .write_sample(ssrc, payload_type, &sample, &[])
            .await
            .is_err()
        {
            // Not connected yet, or closed: keep pacing, the test ends this task.
        }
    }
}

async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_and_microphone_reach_the_technician_and_the_technician_is_heard() {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(media_config(), true, true, events_tx)
        .await
        .expect("start");

    // The offer is complete (non-trickle) and says what the bitstream will say.
    assert!(
        offer.contains("a=candidate:"),
        "the offer carries its candidates:\n{offer}"
    );
    assert!(offer.contains("127.0.0.1"), "{offer}");
    assert!(
        offer.contains("profile-level-id=42e01f") && offer.contains("packetization-mode=1"),
        "{offer}"
    );
    let video_section = offer.split("m=audio").next().unwrap();
    assert!(
        video_section.contains("m=video") && video_section.contains("a=sendonly"),
        "{offer}"
    );
    assert!(
        video_section.contains("nack pli") && video_section.contains("ccm fir"),
        "{offer}"
    );
    let audio_section = offer.split("m=audio").nth(1).expect("an audio m-line");
    assert!(audio_section.contains("a=sendrecv"), "{offer}");

    // The technician answers and sends a tone back on the audio m-line.
    let mut tech = technician().await;
    tech.pc
        .set_remote_description(RTCSessionDescription::offer(offer).unwrap())
        .await
        .unwrap();
    let tone_ssrc = 0x7e57_0001;
    let tone_track = Arc::new(
        TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                "technician".to_owned(),
                "technician-voice".to_owned(),
                "technician-voice".to_owned(),
                RtpCodecKind::Audio,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(tone_ssrc),
                        ..Default::default()
                    },
                    codec: opus_parameters().rtp_codec,
                    ..Default::default()
                }],
            ),
        )
        .unwrap(),
    );
    tech.pc
        .add_track(Arc::clone(&tone_track) as Arc<dyn TrackLocal>)
        .await
        .unwrap();
    let answer = tech.pc.create_answer(None).await.unwrap();
    tech.pc.set_local_description(answer).await.unwrap();
    tokio::time::timeout(DEADLINE, tech.gathered.wait_for(|g| *g))
        .await
        .unwrap()
        .unwrap();
    let answer = tech.pc.local_description().await.unwrap().sdp;
    session.apply_answer(answer).await.expect("apply answer");

    let received = Arc::new(Received::default());
    let mut tasks = vec![tokio::spawn(send_tone(tone_track, tone_ssrc, 111))];

    let connected_at = tokio::time::timeout(DEADLINE, async {
        loop {
            match events.recv().await.expect("event channel open") {
                PeerEvent::Connected => return Instant::now(),
                PeerEvent::Failed | PeerEvent::Closed => panic!("the connection failed"),
                _ => {}
            }
        }
    })
    .await
    .expect("connected in time");
    tokio::time::timeout(DEADLINE, tech.connected.wait_for(|c| *c))
        .await
        .unwrap()
        .unwrap();

    // Tracks appear on the technician's side as their first packets arrive.
    let mut video_track = None;
    while video_track.is_none() {
        let track = tokio::time::timeout(DEADLINE, tech.tracks.recv())
            .await
            .expect("remote tracks")
            .unwrap();
        match track.kind().await {
            RtpCodecKind::Video => {
                video_track = Some(Arc::clone(&track));
                tasks.push(tokio::spawn(receive_video(track, Arc::clone(&received))));
            }
            _ => tasks.push(tokio::spawn(receive_audio(track, Arc::clone(&received)))),
        }
    }
    if let Ok(Some(track)) = tokio::time::timeout(Duration::from_secs(2), tech.tracks.recv()).await
    {
        tasks.push(tokio::spawn(receive_audio(track, Arc::clone(&received))));
    }
    let video_track = video_track.unwrap();

    // Video: decodable H.264 whose frame counter keeps moving.
    wait_until("30 video frames are decoded", || {
        received
            .frames()
            .iter()
            .filter(|f| f.counter.is_some())
            .count()
            >= 30
    })
    .await;
    let frames = received.frames();
    let first = &frames[0];
    assert!(
        first.keyframe,
        "the first frame after connecting is a keyframe: {first:?}"
    );
    assert!(first.parameter_sets_first, "SPS and PPS precede the IDR");
    assert_eq!(
        first.profile_level_id,
        Some(PROFILE_LEVEL_ID),
        "the SPS says 42e01f like the SDP"
    );
    let counters: Vec<u32> = frames.iter().filter_map(|f| f.counter).collect();
    assert!(
        counters.windows(2).all(|w| w[1] > w[0]),
        "frame counters increase: {counters:?}"
    );
    let decoded: Vec<&ReceivedFrame> = frames.iter().filter(|f| f.counter.is_some()).collect();
    let span = decoded.last().unwrap().at - decoded[0].at;
    let fps = (decoded.len() - 1) as f64 / span.as_secs_f64();
    println!(
        "first frame {:?} after Connected; {fps:.1} frames/s decoded",
        frames[0].at - connected_at
    );
    // Well below 30 so a machine busy with builds passes, well above a stalling pipeline.
    assert!(fps > 15.0, "{fps:.1} frames/s");

    // Audio both ways: our Opus reaches the technician, the technician's reaches our decoder.
    wait_until("50 Opus packets reach the technician", || {
        received.audio_decoded.load(Ordering::SeqCst) >= 50
    })
    .await;
    wait_until("50 of the technician's frames are decoded", || {
        session.stats().remote_audio_frames_decoded >= 50
    })
    .await;
    // A sine of amplitude 0.2 has an RMS of 0.141. The level is the last 100 ms of playout,
    // which a jitter-buffer underrun on a machine busy with builds fills with silence for a
    // moment: the technician is heard once a whole 100 ms window plays the tone.
    let mut levels = Vec::new();
    wait_until("the technician's tone plays at its level", || {
        let level = session.stats().remote_audio_level;
        levels.push(level);
        (0.10..0.18).contains(&level)
    })
    .await;
    assert!(
        levels.iter().all(|&l| l < 0.18),
        "louder than sent: {levels:?}"
    );

    // A PLI from the technician brings a new keyframe.
    let keyframes_before = received.frames().iter().filter(|f| f.keyframe).count();
    if session.stats().video_frames_dropped == 0 {
        // (A frame dropped under load is followed by a keyframe, legitimately.)
        assert_eq!(keyframes_before, 1, "no keyframes nobody asked for");
    }
    let media_ssrc = *video_track.ssrcs().await.first().unwrap();
    video_track
        .write_rtcp(vec![Box::new(PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc,
        })])
        .await
        .expect("send PLI");
    wait_until("a keyframe answers the PLI", || {
        received.frames().iter().filter(|f| f.keyframe).count() > keyframes_before
    })
    .await;
    let stats = session.stats();
    assert!(stats.keyframe_requests >= 1, "{stats:?}");
    assert!(stats.video_keyframes_sent >= 2, "{stats:?}");
    assert!(
        received
            .frames()
            .iter()
            .filter(|f| f.keyframe)
            .all(|f| f.parameter_sets_first)
    );
    assert!(
        stats.audio_frames_sent >= 50 && stats.video_frames_sent >= 30,
        "{stats:?}"
    );
    println!("{stats:?}");

    // After close returns, nothing more arrives.
    session.close().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after_close = received.packets();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        received.packets(),
        after_close,
        "packets kept arriving after close"
    );
    // ...and the event stream ends, so whoever forwards it can stop.
    let drained = tokio::time::timeout(Duration::from_secs(2), async {
        while events.recv().await.is_some() {}
    })
    .await;
    assert!(drained.is_ok(), "the event channel outlived the session");

    for task in tasks {
        task.abort();
    }
    tech.pc.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_camera_and_microphone_the_offer_only_receives_audio() {
    let (events_tx, _events) = mpsc::unbounded_channel();
    let (session, offer) = MediaSession::start(media_config(), false, false, events_tx)
        .await
        .expect("start");
    assert!(!offer.contains("m=video"), "{offer}");
    let audio_section = offer.split("m=audio").nth(1).expect("an audio m-line");
    assert!(audio_section.contains("a=recvonly"), "{offer}");
    assert!(offer.contains("a=candidate:"), "{offer}");
    session.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbled_answer_is_refused_with_a_clear_error() {
    let (events_tx, _events) = mpsc::unbounded_channel();
    let (session, _offer) = MediaSession::start(media_config(), true, true, events_tx)
        .await
        .expect("start");
    let error = session
        .apply_answer("this is not SDP".to_owned())
        .await
        .expect_err("garbage refused");
    assert!(error.to_string().contains("answer"), "{error}");
    session.close().await;
}
