//! Background work: turning unredeemed PINs into Expired sessions the moment they run out
//! (so the console's list changes without anyone asking), and forgetting stale state.

use std::time::Duration;

use crate::state::AppState;
use crate::store;
use crate::store::now_ms;

/// Longest sleep between expiry checks, in case a wake-up is missed (clock changes).
const EXPIRY_MAX_SLEEP: Duration = Duration::from_secs(30);
const CLEANUP_EVERY: Duration = Duration::from_secs(300);

pub fn spawn(state: &AppState) {
    tokio::spawn(expire_pins(state.clone()));
    tokio::spawn(clean_up(state.clone()));
    crate::flow::timeouts::spawn(state);
}

/// Sleeps until the next PIN runs out (or a new PIN is issued), then expires what is due.
async fn expire_pins(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    loop {
        let now = now_ms();
        match store::sessions::expire_due(&state.db, now).await {
            Ok(expired) => {
                for (session_id, technician_id) in expired {
                    crate::store::session_log::record(
                        &state.db,
                        &session_id,
                        crate::store::session_log::Event::Expired,
                        None,
                    )
                    .await;
                    state.hub.sessions_changed(technician_id);
                }
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "expiring PINs failed"),
        }
        let sleep = match store::sessions::next_pin_expiry(&state.db).await {
            Ok(Some(next)) => Duration::from_millis(u64::try_from(next - now_ms()).unwrap_or(0))
                .min(EXPIRY_MAX_SLEEP),
            Ok(None) => EXPIRY_MAX_SLEEP,
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "reading the next PIN expiry failed"
                );
                EXPIRY_MAX_SLEEP
            }
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = state.pin_expiry_changed.notified() => {}
            () = crate::state::until_shutdown(&mut shutdown) => return,
        }
    }
}

async fn clean_up(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let mut ticker = tokio::time::interval(CLEANUP_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = crate::state::until_shutdown(&mut shutdown) => return,
        }
        state.join_failures.forget_idle();
        state.login_failures.forget_idle();
        let removed = crate::store::logins::delete_expired(&state.db, now_ms()).await;
        if let Err(error) = removed {
            tracing::warn!(error = %error, "removing expired log-ins failed");
        }
    }
}
