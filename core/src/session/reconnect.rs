//! Exponential back-off for the signalling connection, bounded by a give-up time.

use std::time::Instant;

use super::SessionConfig;

#[derive(Debug, Clone)]
pub(super) struct Reconnect {
    attempt: u32,
    /// When to try next; `None` while an attempt is under way.
    next_at: Option<Instant>,
    give_up_at: Instant,
}

impl Reconnect {
    /// The connection just dropped.
    pub(super) fn start(now: Instant, config: &SessionConfig) -> Reconnect {
        Reconnect {
            attempt: 1,
            next_at: Some(now + config.reconnect_initial_delay),
            give_up_at: now + config.reconnect_window,
        }
    }

    /// An attempt failed: wait twice as long (up to the maximum) before the next one. The
    /// give-up time stays where the first loss put it.
    pub(super) fn failed_again(self, now: Instant, config: &SessionConfig) -> Reconnect {
        let attempt = self.attempt.saturating_add(1);
        let factor = 1u32 << (attempt - 1).min(16);
        let delay = config
            .reconnect_initial_delay
            .saturating_mul(factor)
            .min(config.reconnect_max_delay);
        Reconnect {
            attempt,
            next_at: Some(now + delay),
            give_up_at: self.give_up_at,
        }
    }

    pub(super) fn attempt(&self) -> u32 {
        self.attempt
    }

    pub(super) fn next_deadline(&self) -> Instant {
        self.next_at
            .map_or(self.give_up_at, |next| next.min(self.give_up_at))
    }

    pub(super) fn gave_up(&self, now: Instant) -> bool {
        now >= self.give_up_at
    }

    /// True once when the next attempt is due; the attempt is then under way.
    pub(super) fn due(&mut self, now: Instant) -> bool {
        match self.next_at {
            Some(next) if next <= now => {
                self.next_at = None;
                true
            }
            _ => false,
        }
    }
}
