//! The per-group timeouts that end sessions nobody acts on: a customer who waits longer
//! than the waiting timeout (the technician never clicked Start) and a session on hold
//! longer than the idle timeout are ended as Timed out, and the customer is told why.
//!
//! A sweep rather than a timer per session: it needs no state to rebuild after a restart,
//! and a changed group setting applies to the sessions already running.

use std::time::Duration;

use lens_core::signal::EndReason;

use crate::flow::sessions;
use crate::state::AppState;
use crate::store::{self, sessions::TimeoutCandidate};
use crate::store::{duration_ms, now_ms};

pub fn spawn(state: &AppState) {
    tokio::spawn(sweep_forever(state.clone()));
}

async fn sweep_forever(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let mut ticker = tokio::time::interval(state.config.timeout_sweep);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = crate::state::until_shutdown(&mut shutdown) => return,
        }
        if let Err(error) = sweep(&state).await {
            tracing::warn!(error = format!("{error:#}"), "the timeout sweep failed");
        }
    }
}

/// Ends every session past its timeout as of now.
pub async fn sweep(state: &AppState) -> anyhow::Result<()> {
    let now = now_ms();
    let waiting = store::sessions::waiting_since(&state.db).await?;
    for id in due(&waiting, state.config.waiting_timeout, now) {
        if sessions::end(state, &id, EndReason::WaitingTimedOut).await? {
            tracing::info!(session = %id, "customer waited too long; session timed out");
        }
    }
    let held = store::sessions::held_since(&state.db).await?;
    for id in due(&held, state.config.idle_timeout, now) {
        if sessions::end(state, &id, EndReason::IdleTimedOut).await? {
            tracing::info!(session = %id, "session on hold too long; timed out");
        }
    }
    Ok(())
}

/// The sessions whose clock ran past their group's timeout (or the server's).
fn due(candidates: &[TimeoutCandidate], default: Duration, now: i64) -> Vec<String> {
    candidates
        .iter()
        .filter(|c| {
            let limit = c.group_timeout_ms.unwrap_or_else(|| duration_ms(default));
            now.saturating_sub(c.since) >= limit
        })
        .map(|c| c.session_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, since: i64, group_timeout_ms: Option<i64>) -> TimeoutCandidate {
        TimeoutCandidate {
            session_id: id.into(),
            since,
            group_timeout_ms,
        }
    }

    #[test]
    fn the_group_setting_wins_over_the_server_default() {
        let candidates = [
            candidate("group-short", 1_000, Some(500)),
            candidate("group-long", 1_000, Some(10_000)),
            candidate("server-default", 1_000, None),
        ];
        assert_eq!(
            due(&candidates, Duration::from_secs(2), 2_000),
            vec!["group-short".to_owned()]
        );
        assert_eq!(
            due(&candidates, Duration::from_secs(2), 3_000),
            vec!["group-short".to_owned(), "server-default".to_owned()]
        );
    }
}
