//! A bounded hand-over between a shell's capture thread and the engine's encoder thread that
//! drops the *oldest* item when full.
//!
//! Oldest-first because a live picture matters more than a complete one: when the encoder
//! falls behind, the frame it should encode next is the newest the camera made. The producer
//! never waits (a camera callback that blocks stalls the camera), and nothing queues without
//! bound. Buffers travel in a circle (spare → filled → queued → in use → spare), so a steady
//! stream allocates nothing.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

pub(crate) struct DropOldest<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    capacity: usize,
}

struct State<T> {
    queued: VecDeque<T>,
    spare: Vec<T>,
}

/// What [`DropOldest::publish`] did with the queue's oldest item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Published {
    Queued,
    /// The queue was full; its oldest item was dropped to make room.
    DroppedOldest,
}

impl<T> DropOldest<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                queued: VecDeque::with_capacity(capacity),
                spare: Vec::new(),
            }),
            ready: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    /// A buffer to fill, if one came back; the caller allocates otherwise.
    pub(crate) fn spare(&self) -> Option<T> {
        self.lock().spare.pop()
    }

    pub(crate) fn publish(&self, item: T) -> Published {
        let mut state = self.lock();
        let mut outcome = Published::Queued;
        while state.queued.len() >= self.capacity {
            if let Some(old) = state.queued.pop_front() {
                state.spare.push(old);
            }
            outcome = Published::DroppedOldest;
        }
        state.queued.push_back(item);
        drop(state);
        self.ready.notify_one();
        outcome
    }

    /// Waits up to `timeout` for the oldest queued item.
    pub(crate) fn pop(&self, timeout: Duration) -> Option<T> {
        let state = self.lock();
        let (mut state, _) = self
            .ready
            .wait_timeout_while(state, timeout, |s| s.queued.is_empty())
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.queued.pop_front()
    }

    /// Gives a used buffer back for the producer to refill.
    pub(crate) fn recycle(&self, item: T) {
        let mut state = self.lock();
        // Never more spares than buffers that can be in flight: queued, in use, being filled.
        if state.spare.len() < self.capacity + 2 {
            state.spare.push(item);
        }
    }

    /// Drops everything queued (the consumer went away); returns how many.
    pub(crate) fn clear(&self) -> usize {
        let mut state = self.lock();
        let n = state.queued.len();
        let drained: Vec<T> = state.queued.drain(..).collect();
        state.spare.extend(drained);
        n
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        // A panic while holding this lock cannot leave the queue inconsistent (every
        // operation is a single push or pop), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_its_oldest_item_and_never_grows() {
        let queue = DropOldest::new(2);
        assert_eq!(queue.publish(1), Published::Queued);
        assert_eq!(queue.publish(2), Published::Queued);
        assert_eq!(queue.publish(3), Published::DroppedOldest);
        assert_eq!(queue.pop(Duration::ZERO), Some(2));
        assert_eq!(queue.pop(Duration::ZERO), Some(3));
        assert_eq!(queue.pop(Duration::from_millis(5)), None);
        // The dropped buffer came back for reuse.
        assert_eq!(queue.spare(), Some(1));
    }

    #[test]
    fn pop_wakes_when_an_item_arrives() {
        let queue = std::sync::Arc::new(DropOldest::new(1));
        let producer = std::sync::Arc::clone(&queue);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            producer.publish(7);
        });
        assert_eq!(queue.pop(Duration::from_secs(5)), Some(7));
        thread.join().unwrap();
    }
}
