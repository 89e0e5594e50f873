//! Several technicians' voices into the one playback (seed 004: the customer hears every
//! collaborator allowed to talk). Each voice's receive task already plays out at a steady
//! 20 ms with its own jitter buffer (see `receive.rs`), so the mix needs no clock of its own:
//! a voice that pushes is held until every voice has pushed as far, then the sum goes out.
//! With one voice (the usual call) its audio passes straight through, as before.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::sink::{AudioSink, RING_CAPACITY};

/// Mixes the voices of its [`MixInput`]s into `out`.
pub(crate) struct Mixer {
    out: Arc<dyn AudioSink>,
    state: Mutex<MixState>,
}

#[derive(Default)]
struct MixState {
    next_id: u64,
    /// The voices that have pushed and not ended, each with what is not mixed yet.
    voices: Vec<(u64, VecDeque<i16>)>,
}

impl Mixer {
    pub(crate) fn new(out: Arc<dyn AudioSink>) -> Arc<Self> {
        Arc::new(Self {
            out,
            state: Mutex::default(),
        })
    }

    /// A sink for one more voice. It joins the mix with its first push (a connection whose
    /// audio never arrives holds nobody back) and leaves it when dropped.
    pub(crate) fn input(self: &Arc<Self>) -> Arc<dyn AudioSink> {
        let mut state = self.state();
        state.next_id += 1;
        Arc::new(MixInput {
            mixer: Arc::clone(self),
            id: state.next_id,
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MixState> {
        // Nothing in the state is left half-updated by a panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, id: u64, pcm: &[i16]) {
        let mixed = {
            let mut state = self.state();
            if !state.voices.iter().any(|(voice, _)| *voice == id) {
                state
                    .voices
                    .push((id, VecDeque::with_capacity(RING_CAPACITY)));
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
        self.state().voices.retain(|(voice, _)| *voice != id);
    }
}

impl MixState {
    /// Queues `pcm` for voice `id` and returns what every voice has now: their sum.
    fn take_mixed(&mut self, id: u64, pcm: &[i16]) -> Vec<i16> {
        if let Some((_, queue)) = self.voices.iter_mut().find(|(voice, _)| *voice == id) {
            queue.extend(pcm);
            // A voice far ahead of the others (one stalled): the oldest goes, as in the ring.
            let overflow = queue.len().saturating_sub(RING_CAPACITY);
            queue.drain(..overflow);
        }
        let ready = self
            .voices
            .iter()
            .map(|(_, queue)| queue.len())
            .min()
            .unwrap_or(0);
        let mut mixed = vec![0i32; ready];
        for (_, queue) in &mut self.voices {
            for (sum, sample) in mixed.iter_mut().zip(queue.drain(..ready)) {
                *sum += i32::from(sample);
            }
        }
        mixed
            .into_iter()
            .map(|sum| sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16)
            .collect()
    }
}

struct MixInput {
    mixer: Arc<Mixer>,
    id: u64,
}

impl AudioSink for MixInput {
    fn push(&self, pcm: &[i16]) {
        self.mixer.push(self.id, pcm);
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

    #[test]
    fn one_voice_passes_straight_through() {
        let (out, mixer) = mixer();
        let lead = mixer.input();
        let _silent = mixer.input(); // a collaborator whose audio never came
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
        let lead = mixer.input();
        let collaborator = mixer.input();
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
    fn a_voice_that_leaves_no_longer_holds_the_mix() {
        let (out, mixer) = mixer();
        let lead = mixer.input();
        let collaborator = mixer.input();
        lead.push(&[1; 960]);
        collaborator.push(&[1; 960]);
        lead.push(&[1; 960]);
        let before = out.0.lock().unwrap().len();
        drop(collaborator);
        lead.push(&[1; 960]);
        assert!(out.0.lock().unwrap().len() >= before + 960);
    }
}
