//! The server-wide budget of failed PIN look-ups, and the slowed gate beyond it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Allowance, RetryAfter};

/// How long the server stays slowed after the budget was last exceeded.
const SLOWED_FOR: Duration = Duration::from_secs(60);

/// Logs an alert at most once per [`SLOWED_FOR`]: one line a minute is an alert, one per
/// failure would be a flood in the logs.
#[derive(Default)]
pub(super) struct AlertOnce {
    last_logged: Mutex<Option<Instant>>,
}

impl AlertOnce {
    pub(super) fn due(&self) -> bool {
        let now = Instant::now();
        let mut last = self.last_logged.lock().expect("alert lock");
        let due = last.is_none_or(|at| now.duration_since(at) >= SLOWED_FOR);
        if due {
            *last = Some(now);
        }
        due
    }
}

/// Why a PIN look-up may not run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The gate's queue is full: answer 503 with this Retry-After.
    Busy(RetryAfter),
}

/// A budget of failed PIN look-ups per minute for the whole server. Beyond it the server is
/// probably being guessed at from many addresses: an alert is logged, and for the next
/// minute every look-up (anyone's) first takes a turn at a gate that lets one through per
/// `slowdown`, which caps the guessing rate no matter how many addresses the attacker has.
///
/// The gate is no open-ended queue (issue 9: an honest customer waited 30 s behind 30 parked
/// guesses): a look-up is only given a turn within `max_wait`, so at most
/// `max_wait / slowdown` wait at once; the rest are refused at once with Retry-After. Each
/// address has at most one look-up in flight (`FailureLimiter::single_flight`), so one
/// address holds at most one place in the queue.
pub struct GlobalFailureBudget {
    failures: Allowance<()>,
    per_minute: u32,
    slowdown: Duration,
    max_wait: Duration,
    /// Until when look-ups are slowed.
    slowed_until: Mutex<Option<Instant>>,
    alert: AlertOnce,
    /// When the last look-up given a turn at the gate passes.
    last_turn: Mutex<Instant>,
}

impl GlobalFailureBudget {
    pub fn new(per_minute: u32, slowdown: Duration, max_wait: Duration) -> GlobalFailureBudget {
        let per_minute = per_minute.max(1);
        GlobalFailureBudget {
            failures: Allowance::new(per_minute, Duration::from_secs(60)),
            per_minute,
            slowdown,
            // A gate that admits nobody would refuse every look-up.
            max_wait: max_wait.max(slowdown),
            slowed_until: Mutex::new(None),
            alert: AlertOnce::default(),
            last_turn: Mutex::new(Instant::now()),
        }
    }

    /// Charges the budget for a look-up about to run and, while slowed, waits for its turn.
    /// Ok(true): a cell was taken, to be given back by [`GlobalFailureBudget::give_back`]
    /// if the look-up does not fail.
    pub async fn admit(&self) -> Result<bool, Held> {
        let charged = self.failures.take(&()).is_ok();
        if !charged {
            self.raise_alarm();
        }
        if self.is_slowed()
            && let Err(held) = self.wait_turn().await
        {
            self.give_back(charged);
            return Err(held);
        }
        Ok(charged)
    }

    /// The admitted look-up succeeded or did not run: its charge is given back.
    pub fn give_back(&self, charged: bool) {
        if charged {
            self.failures.give_back(&());
        }
    }

    fn raise_alarm(&self) {
        *self.slowed_until.lock().expect("budget lock") = Some(Instant::now() + SLOWED_FOR);
        if self.alert.due() {
            tracing::error!(
                budget_per_minute = self.per_minute,
                slowdown_ms = self.slowdown.as_millis() as u64,
                "ALERT: more failed PIN look-ups than the global budget allows, from any \
                 address; someone may be guessing PINs. All look-ups are slowed for a minute"
            );
        }
    }

    pub fn is_slowed(&self) -> bool {
        let mut slowed_until = self.slowed_until.lock().expect("budget lock");
        match *slowed_until {
            Some(until) if until > Instant::now() => true,
            Some(_) => {
                *slowed_until = None;
                false
            }
            None => false,
        }
    }

    /// Books the next turn at the gate, one `slowdown` after the previous one, and sleeps
    /// until it; refused if that turn is more than `max_wait` away.
    async fn wait_turn(&self) -> Result<(), Held> {
        let now = Instant::now();
        let turn = {
            let mut last = self.last_turn.lock().expect("budget lock");
            let turn = (*last).max(now) + self.slowdown;
            let wait = turn - now;
            if wait > self.max_wait {
                // By then the queue has shrunk enough for a turn to be given.
                return Err(Held::Busy(wait - self.max_wait));
            }
            *last = turn;
            turn
        };
        tokio::time::sleep_until(turn.into()).await;
        Ok(())
    }
}
