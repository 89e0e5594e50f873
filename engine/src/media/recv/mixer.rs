//! Several technicians' voices (seed 004), both ways:
//!
//! * **into the one playback**: the customer hears every technician allowed to talk. Each
//!   voice's receive task plays out at a steady 20 ms with its own jitter buffer (see
//!   `receive.rs`), so the mix needs no clock of its own: a voice that pushes is held until
//!   every voice has pushed as far, then the sum goes out. With one voice (the usual call) its
//!   audio passes straight through, as before.
//! * **into the uplink** ("mix-minus"): the technicians hear each other through the phone.
//!   Each voice is also kept for the audio thread, which adds to each technician's stream the
//!   voices of the *others* (see `send/audio.rs`), never their own.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::sink::{AudioSink, RING_CAPACITY};

/// A voice that has this much waiting while another has nothing has stalled (its
/// connection is gone without its task ending yet): the others go out without it.
const STALLED: usize = RING_CAPACITY / 3;

/// Whose voice: the lead's (`None`) or a collaborator's peer id.
pub(crate) type VoiceId = Option<String>;

/// Mixes the voices of its inputs into `out`, and keeps each for the uplink.
pub(crate) struct Mixer {
    out: Arc<dyn AudioSink>,
    state: Mutex<MixState>,
}

#[derive(Default)]
struct MixState {
    next_id: u64,
    /// The voices that have pushed and not ended, each with what is not played yet.
    voices: Vec<Voice>,
}

struct Voice {
    id: u64,
    who: VoiceId,
    playback: VecDeque<i16>,
    /// What the audio thread has not sent on to the other technicians yet.
    uplink: VecDeque<i16>,
}

impl Mixer {
    pub(crate) fn new(out: Arc<dyn AudioSink>) -> Arc<Self> {
        Arc::new(Self {
            out,
            state: Mutex::default(),
        })
    }

    /// A sink for `who`'s voice. It joins the mix with its first push (a connection whose
    /// audio never arrives holds nobody back) and leaves it when dropped.
    pub(crate) fn input(self: &Arc<Self>, who: VoiceId) -> Arc<dyn AudioSink> {
        let mut state = self.state();
        state.next_id += 1;
        Arc::new(MixInput {
            mixer: Arc::clone(self),
            id: state.next_id,
            who,
        })
    }

    /// `samples` of each voice for the uplink (silence where one has less), oldest first.
    pub(crate) fn take_voices(&self, samples: usize) -> Vec<(VoiceId, Vec<i16>)> {
        let mut state = self.state();
        state
            .voices
            .iter_mut()
            .map(|voice| {
                let available = voice.uplink.len().min(samples);
                let mut pcm: Vec<i16> = voice.uplink.drain(..available).collect();
                pcm.resize(samples, 0);
                (voice.who.clone(), pcm)
            })
            .collect()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MixState> {
        // Nothing in the state is left half-updated by a panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, id: u64, who: &VoiceId, pcm: &[i16]) {
        let mixed = {
            let mut state = self.state();
            if !state.voices.iter().any(|voice| voice.id == id) {
                state.voices.push(Voice {
                    id,
                    who: who.clone(),
                    playback: VecDeque::with_capacity(RING_CAPACITY),
                    uplink: VecDeque::with_capacity(RING_CAPACITY),
                });
            }
            if let Some(voice) = state.voices.iter_mut().find(|voice| voice.id == id) {
                append_bounded(&mut voice.uplink, pcm);
            }
            if state.voices.len() == 1 {
                None
            } else {
                Some(state.take_mixed(id, pcm))
            }
        };
        match mixed {
            None => self.out.push(pcm),
            Some(mixed) if !mixed.is_empty() => self.out.push(&mixed),
            Some(_) => {}
        }
    }

    fn remove(&self, id: u64) {
        self.state().voices.retain(|voice| voice.id != id);
    }
}

/// Appends, dropping the oldest beyond the ring's capacity (a reader that fell behind).
fn append_bounded(queue: &mut VecDeque<i16>, pcm: &[i16]) {
    queue.extend(pcm);
    let overflow = queue.len().saturating_sub(RING_CAPACITY);
    queue.drain(..overflow);
}

impl MixState {
    /// Queues `pcm` for voice `id` and returns what every voice has now: their sum.
    fn take_mixed(&mut self, id: u64, pcm: &[i16]) -> Vec<i16> {
        if let Some(voice) = self.voices.iter_mut().find(|voice| voice.id == id) {
            append_bounded(&mut voice.playback, pcm);
        }
        let lengths = self.voices.iter().map(|voice| voice.playback.len());
        let (shortest, longest) =
            lengths.fold((usize::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)));
        let ready = if longest >= STALLED {
            longest
        } else {
            shortest
        };
        let mut mixed = vec![0i32; ready];
        for voice in &mut self.voices {
            let take = voice.playback.len().min(ready);
            for (sum, sample) in mixed.iter_mut().zip(voice.playback.drain(..take)) {
                *sum += i32::from(sample);
            }
        }
        mixed.into_iter().map(clip).collect()
    }
}

/// A sum of voices back into 16 bits: clipped, never wrapped.
pub(crate) fn clip(sum: i32) -> i16 {
    sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

struct MixInput {
    mixer: Arc<Mixer>,
    id: u64,
    who: VoiceId,
}

impl AudioSink for MixInput {
    fn push(&self, pcm: &[i16]) {
        self.mixer.push(self.id, &self.who, pcm);
    }
}

impl Drop for MixInput {
    fn drop(&mut self) {
        self.mixer.remove(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<i16>>);

    impl AudioSink for Collect {
        fn push(&self, pcm: &[i16]) {
            self.0.lock().unwrap().extend_from_slice(pcm);
        }
    }

    fn mixer() -> (Arc<Collect>, Arc<Mixer>) {
        let out = Arc::new(Collect::default());
        let mixer = Mixer::new(Arc::clone(&out) as Arc<dyn AudioSink>);
        (out, mixer)
    }

    fn ian() -> VoiceId {
        Some("c1".into())
    }

    #[test]
    fn one_voice_passes_straight_through() {
        let (out, mixer) = mixer();
        let lead = mixer.input(None);
        let _silent = mixer.input(ian()); // a collaborator whose audio never came
        lead.push(&[100; 960]);
        assert_eq!(
            out.0.lock().unwrap().len(),
            960,
            "not held back by a voice never heard"
        );
    }

    #[test]
    fn two_voices_are_summed_frame_by_frame_and_clipped() {
        let (out, mixer) = mixer();
        let lead = mixer.input(None);
        let collaborator = mixer.input(ian());
        lead.push(&[1_000; 960]);
        collaborator.push(&[]);
        lead.push(&[1_000; 960]);
        collaborator.push(&[500; 960]);
        let mixed = out.0.lock().unwrap().clone();
        // The lead's first frame went out alone (before the second voice joined), the
        // second frame waited for the collaborator's and went out summed.
        assert_eq!(mixed.len(), 1_920);
        assert!(
            mixed[960..].iter().all(|&s| s == 1_500),
            "{:?}",
            &mixed[960..970]
        );
        lead.push(&[i16::MAX; 960]);
        collaborator.push(&[i16::MAX; 960]);
        assert_eq!(
            *out.0.lock().unwrap().last().unwrap(),
            i16::MAX,
            "clipped, not wrapped"
        );
    }

    #[test]
    fn a_voice_that_leaves_or_stalls_no_longer_holds_the_mix() {
        let (out, mixer) = mixer();
        let lead = mixer.input(None);
        let collaborator = mixer.input(ian());
        lead.push(&[1; 960]);
        collaborator.push(&[1; 960]);
        // The collaborator's connection stalls: after a few frames the lead goes out alone.
        let before = out.0.lock().unwrap().len();
        for _ in 0..6 {
            lead.push(&[1; 960]);
        }
        assert!(
            out.0.lock().unwrap().len() >= before + 3 * 960,
            "the lead was held back"
        );
        drop(collaborator);
        let before = out.0.lock().unwrap().len();
        lead.push(&[1; 960]);
        assert!(out.0.lock().unwrap().len() >= before + 960);
    }

    #[test]
    fn each_voice_is_kept_for_the_uplink_with_silence_where_it_is_short() {
        let (_out, mixer) = mixer();
        let lead = mixer.input(None);
        let collaborator = mixer.input(ian());
        lead.push(&[7; 960]);
        collaborator.push(&[9; 480]);
        let voices = mixer.take_voices(960);
        assert_eq!(voices.len(), 2);
        assert_eq!(voices[0].0, None);
        assert!(voices[0].1.iter().all(|&s| s == 7));
        assert_eq!(voices[1].0, ian());
        assert!(voices[1].1[..480].iter().all(|&s| s == 9));
        assert!(
            voices[1].1[480..].iter().all(|&s| s == 0),
            "padded with silence"
        );
        assert!(
            mixer
                .take_voices(960)
                .iter()
                .all(|(_, pcm)| pcm.iter().all(|&s| s == 0))
        );
    }
}
