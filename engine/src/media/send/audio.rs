//! The audio thread: pulls 20 ms microphone frames, encodes them with Opus (silence while
//! muted) and queues them for the writer task.
//!
//! With collaborating technicians (seed 004) each technician hears the customer and the
//! other technicians through the phone ("mix-minus"): the lead's stream carries the
//! microphone plus the collaborators' voices, each collaborator's its own encoding of the
//! microphone plus the lead's and the other collaborators' voices, never their own. Audio is
//! the cheap part (an Opus frame encodes in a fraction of a millisecond); the video is still
//! encoded once.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::Bytes;
use tokio::sync::mpsc::{self, error::TrySendError};

use super::frame::EncodedFrame;
use super::{AUDIO_QUEUE, SOURCE_POLL};
use crate::media::codec::OpusEncoder;
use crate::media::controls::MediaControls;
use crate::media::device::Device;
use crate::media::events::{EventSender, PeerEvent};
use crate::media::recv::mixer::{Mixer, VoiceId, clip};
use crate::media::run_state::RunState;
use crate::media::source::{AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES, AudioSource, Rotation};
use crate::media::stats::StatsCounters;

/// The technician's receiver reports come about once a second: 50 frames of 20 ms.
const LOSS_PLAN_EVERY_FRAMES: u32 = 50;

const SILENCE: [i16; AUDIO_FRAME_SAMPLES] = [0; AUDIO_FRAME_SAMPLES];

/// What the audio thread reads and reports through.
pub(crate) struct AudioLinks {
    pub(crate) run: Arc<RunState>,
    pub(crate) events: Arc<EventSender>,
    /// The loss the technician reports, for Opus's in-band FEC.
    pub(crate) stats: Arc<StatsCounters>,
    /// The microphone's mute switch.
    pub(crate) controls: MediaControls,
    /// The technicians' voices, for the mix-minus.
    pub(crate) mixer: Arc<Mixer>,
    /// The collaborators' own streams.
    pub(crate) routes: AudioRoutes,
}

/// A collaborator's own audio stream: the microphone plus the other technicians' voices.
pub(crate) struct AudioRoute {
    pub(crate) peer: String,
    /// Their voice is in the mix (the lead let them talk): their stream is theirs alone.
    pub(crate) talk: bool,
    pub(crate) encoder: OpusEncoder,
    pub(crate) frames: mpsc::Sender<EncodedFrame>,
    /// Their receiver's reports, for the encoder's in-band FEC.
    pub(crate) stats: Arc<StatsCounters>,
    pub(crate) dropped: u16,
}

/// The collaborators' audio streams, added and removed while the audio thread runs.
#[derive(Clone, Default)]
pub(crate) struct AudioRoutes(Arc<Mutex<Vec<AudioRoute>>>);

impl AudioRoutes {
    pub(crate) fn add(&self, route: AudioRoute) {
        let mut routes = self.routes();
        routes.retain(|known| known.peer != route.peer);
        routes.push(route);
    }

    pub(crate) fn remove(&self, peer: &str) {
        self.routes().retain(|route| route.peer != peer);
    }

    fn routes(&self) -> std::sync::MutexGuard<'_, Vec<AudioRoute>> {
        // A plain list: nothing is left half-updated by a panic.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Encodes and queues one frame for each collaborator, each with what they should hear.
    /// The collaborators who may not talk all hear the same (the customer and every voice):
    /// one encoding serves them all, by the encoder of the first of them.
    fn send(
        &self,
        microphone: &[i16],
        voices: &[(VoiceId, Vec<i16>)],
        frame: &crate::media::source::AudioFrame<'_>,
        plan_loss: bool,
    ) {
        let mut routes = self.routes();
        let listeners_loss = routes
            .iter()
            .filter(|route| !route.talk)
            .map(|route| route.stats.reported_voice_loss_permille())
            .max()
            .unwrap_or(0);
        let mut listeners_frame: Option<Bytes> = None;
        for route in routes.iter_mut() {
            let data = match (&listeners_frame, route.talk) {
                (Some(shared), false) => Some(shared.clone()),
                _ => {
                    let who = Some(route.peer.clone());
                    let pcm = mix_minus(microphone, voices, &who);
                    let loss = match route.talk {
                        true => route.stats.reported_voice_loss_permille(),
                        false => listeners_loss,
                    };
                    if plan_loss && let Err(error) = route.encoder.follow_reported_loss(loss) {
                        tracing::warn!(%error, "cannot follow the reported loss");
                    }
                    match route.encoder.encode(&pcm) {
                        Ok(data) => {
                            if !route.talk {
                                listeners_frame = Some(data.clone());
                            }
                            Some(data)
                        }
                        Err(error) => {
                            tracing::debug!(%error, "dropping a collaborator's audio frame");
                            None
                        }
                    }
                }
            };
            let Some(data) = data else { continue };
            let out = EncodedFrame {
                data,
                captured_at: frame.captured_at,
                duration: AUDIO_FRAME_DURATION,
                keyframe: false,
                prev_dropped: route.dropped,
                rotation: Rotation::R0,
            };
            match route.frames.try_send(out) {
                Ok(()) => route.dropped = 0,
                // Closed: the collaborator is being removed.
                Err(_) => route.dropped = route.dropped.saturating_add(1),
            }
        }
    }
}

/// The microphone plus every voice but `listener`'s own.
fn mix_minus<'a>(
    microphone: &'a [i16],
    voices: &[(VoiceId, Vec<i16>)],
    listener: &VoiceId,
) -> Cow<'a, [i16]> {
    let others: Vec<&Vec<i16>> = voices
        .iter()
        .filter(|(who, _)| who != listener)
        .map(|(_, pcm)| pcm)
        .collect();
    if others.is_empty() {
        return Cow::Borrowed(microphone);
    }
    let mixed = microphone
        .iter()
        .enumerate()
        .map(|(i, &sample)| {
            let voices: i32 = others
                .iter()
                .map(|pcm| i32::from(pcm.get(i).copied().unwrap_or(0)))
                .sum();
            clip(i32::from(sample) + voices)
        })
        .collect();
    Cow::Owned(mixed)
}

/// Puts the lead's encoder's complexity in the stats, as libopus has it: what the loss plan
/// decided, read back rather than assumed.
fn show_complexity(encoder: &mut OpusEncoder, stats: &StatsCounters) {
    match encoder.complexity() {
        Ok(complexity) => stats.set_voice_complexity(complexity),
        Err(error) => tracing::debug!(%error, "cannot read the voice's complexity"),
    }
}

pub(crate) fn spawn(
    mut source: Box<dyn AudioSource>,
    mut encoder: OpusEncoder,
    links: AudioLinks,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(AUDIO_QUEUE);
    let handle = std::thread::Builder::new()
        .name("lens-audio".into())
        .spawn(move || {
            let AudioLinks {
                run,
                events,
                stats,
                controls,
                mixer,
                routes,
            } = links;
            let mut dropped: u16 = 0;
            let mut frames_encoded: u32 = 0;
            show_complexity(&mut encoder, &stats);
            while !run.stopping() {
                let frame = match source.next_frame(SOURCE_POLL) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "audio source ended");
                        events.emit(PeerEvent::device_stopped(Device::Microphone, &error));
                        break;
                    }
                };
                if !run.connected() {
                    dropped = 0;
                    continue;
                }
                // Muted: the encoder hears silence and sends DTX frames, so the track and its
                // timing stay intact for the receiver.
                let samples = if controls.microphone_muted() {
                    &SILENCE[..]
                } else {
                    frame.samples
                };
                // Once a second, plan the in-band FEC for the loss the technician reports.
                frames_encoded = frames_encoded.wrapping_add(1);
                let plan_loss = frames_encoded.is_multiple_of(LOSS_PLAN_EVERY_FRAMES);
                if plan_loss {
                    if let Err(error) =
                        encoder.follow_reported_loss(stats.reported_voice_loss_permille())
                    {
                        tracing::warn!(%error, "cannot follow the reported loss");
                    }
                    show_complexity(&mut encoder, &stats);
                }
                let voices = mixer.take_voices(samples.len());
                routes.send(samples, &voices, &frame, plan_loss);
                let samples = mix_minus(samples, &voices, &None);
                let data = match encoder.encode(&samples) {
                    Ok(data) => data,
                    Err(error) => {
                        tracing::warn!(%error, "dropping an audio frame");
                        dropped = dropped.saturating_add(1);
                        continue;
                    }
                };
                let out = EncodedFrame {
                    data,
                    captured_at: frame.captured_at,
                    duration: AUDIO_FRAME_DURATION,
                    keyframe: false,
                    prev_dropped: dropped,
                    rotation: Rotation::R0,
                };
                match tx.try_send(out) {
                    Ok(()) => dropped = 0,
                    Err(TrySendError::Full(_)) => dropped = dropped.saturating_add(1),
                    Err(TrySendError::Closed(_)) => break,
                }
            }
        })?;
    Ok((handle, rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voices() -> Vec<(VoiceId, Vec<i16>)> {
        vec![
            (None, vec![100; 960]),
            (Some("c1".into()), vec![10; 960]),
            (Some("c2".into()), vec![1; 960]),
        ]
    }

    #[test]
    fn each_technician_hears_the_customer_and_the_others_never_themselves() {
        let microphone = [1_000i16; 960];
        let voices = voices();
        let lead = mix_minus(&microphone, &voices, &None);
        assert!(
            lead.iter().all(|&s| s == 1_011),
            "the lead: customer + both collaborators"
        );
        let ian = mix_minus(&microphone, &voices, &Some("c1".into()));
        assert!(
            ian.iter().all(|&s| s == 1_101),
            "Ian: customer + lead + Eve"
        );
        let eve = mix_minus(&microphone, &voices, &Some("c2".into()));
        assert!(
            eve.iter().all(|&s| s == 1_110),
            "Eve: customer + lead + Ian"
        );
        // Alone with the customer, the lead's stream is the microphone itself.
        let alone = mix_minus(&microphone, &voices[..1], &None);
        assert!(matches!(alone, Cow::Borrowed(_)));
        assert!(
            mix_minus(&[i16::MAX; 4], &voices, &None)
                .iter()
                .all(|&s| s == i16::MAX)
        );
    }

    #[test]
    fn the_collaborators_who_only_listen_share_one_encoding() {
        let routes = AudioRoutes::default();
        let mut receivers = Vec::new();
        for peer in ["c1", "c2", "c3"] {
            let (frames, rx) = mpsc::channel(4);
            routes.add(AudioRoute {
                peer: peer.into(),
                talk: peer == "c1",
                encoder: OpusEncoder::new(Default::default()).unwrap(),
                frames,
                stats: Arc::default(),
                dropped: 0,
            });
            receivers.push(rx);
        }
        let microphone: Vec<i16> = (0..960).map(|i| ((i * 37) % 2000) as i16).collect();
        let frame = crate::media::source::AudioFrame {
            samples: &microphone,
            captured_at: std::time::Instant::now(),
        };
        let voices = vec![
            (None, vec![300; 960]),
            (Some("c1".to_owned()), vec![-700; 960]),
        ];
        routes.send(&microphone, &voices, &frame, false);
        let sent: Vec<Bytes> = receivers
            .iter_mut()
            .map(|rx| rx.try_recv().unwrap().data)
            .collect();
        assert_eq!(sent[1], sent[2], "c2 and c3 hear the same: one encoding");
        assert_ne!(
            sent[0], sent[1],
            "c1 talks: his stream leaves his own voice out"
        );
    }

    #[test]
    fn every_collaborator_gets_a_frame_of_their_own_and_a_removed_one_none() {
        let routes = AudioRoutes::default();
        let mut receivers = Vec::new();
        for peer in ["c1", "c2"] {
            let (frames, rx) = mpsc::channel(4);
            routes.add(AudioRoute {
                peer: peer.into(),
                talk: peer == "c1",
                encoder: OpusEncoder::new(Default::default()).unwrap(),
                frames,
                stats: Arc::default(),
                dropped: 0,
            });
            receivers.push(rx);
        }
        let microphone = [0i16; 960];
        let frame = crate::media::source::AudioFrame {
            samples: &microphone,
            captured_at: std::time::Instant::now(),
        };
        routes.send(&microphone, &voices(), &frame, true);
        for rx in &mut receivers {
            assert!(rx.try_recv().is_ok(), "a frame for each collaborator");
        }
        routes.remove("c1");
        routes.send(&microphone, &voices(), &frame, false);
        assert!(
            receivers[0].try_recv().is_err(),
            "nothing for a removed collaborator"
        );
        assert!(receivers[1].try_recv().is_ok());
    }
}
