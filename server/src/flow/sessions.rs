//! The life of a Lens session: Pending (PIN issued) → the customer joins → Waiting (EULA
//! accepted) → Active (the technician clicked Start) → Closed; or Expired when the PIN runs
//! out. Each step here checks who may take it, writes it (`session_store`), then tells the
//! people concerned through the hub.

use lens_core::signal::{
    CameraControl, EndReason, JoinRefusal, ServerToCustomer, ServerToTechnician, SessionStatus,
};

use crate::flow::pins::{self, IssuedPin, Joined};
use crate::flow::{collaboration, ice};
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::session_log::{self, Event};
use crate::store::{self, sessions::SessionRow};
use crate::ws::hub::ConnId;

/// The refusal a technician sees for a second Start (one active Lens session at a time).
pub const ALREADY_ACTIVE: &str =
    "You already have an active Lens session. End it before starting another.";
const NO_SUCH_SESSION: &str = "There is no such session in your list.";
pub const ALREADY_OVER: &str = "This session has already ended.";
const CUSTOMER_JOINED: &str = "The customer has already joined with this PIN.";

/// Why a request about a session was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Not allowed now; the sentence goes to the person who asked.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn refused<T>(message: impl Into<String>) -> Result<T, FlowError> {
    Err(FlowError::Refused(message.into()))
}

/// Longest customer name (shown in the technician's list and to the customer).
pub const MAX_CUSTOMER_NAME_CHARS: usize = 100;

/// The customer's name as it will be stored (trimmed), or the sentence saying what is wrong.
/// Every way of creating a session (console, hand-off API) checks names with this.
pub fn validate_customer_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_CUSTOMER_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "Enter the customer's name (1 to {MAX_CUSTOMER_NAME_CHARS} characters, no control characters)."
        ));
    }
    Ok(name)
}

/// New private session with a fresh PIN for the technician, valid for `pin_ttl` (the
/// group's setting); `method` is how the PIN reaches the customer ("pin", "email", "link").
pub async fn create(
    state: &AppState,
    technician_id: i64,
    customer_name: &str,
    method: &str,
    pin_ttl: std::time::Duration,
) -> anyhow::Result<IssuedPin> {
    let issued = pins::issue(&state.db, technician_id, customer_name, pin_ttl, now_ms()).await?;
    store::sessions::set_method(&state.db, &issued.session_id, method).await?;
    let created = format!("Lens session for {customer_name} (by {method})");
    session_log::record(
        &state.db,
        &issued.session_id,
        Event::Created,
        Some(&created),
    )
    .await;
    // Seed 000: the PIN is written to the session log too.
    session_log::record(
        &state.db,
        &issued.session_id,
        Event::PinIssued,
        Some(&issued.pin),
    )
    .await;
    tracing::info!(session = %issued.session_id, technician = technician_id, "session created");
    state.pin_expiry_changed.notify_one();
    state.hub.sessions_changed(technician_id);
    Ok(issued)
}

/// A customer redeems a PIN. The token's hash is what the database keeps.
pub async fn join(
    state: &AppState,
    pin: &str,
    customer_token_hash: &str,
) -> anyhow::Result<Result<Joined, JoinRefusal>> {
    let joined = pins::redeem(
        &state.db,
        pin,
        customer_token_hash,
        state.config.pin_ttl,
        now_ms(),
    )
    .await?;
    if let Ok(joined) = &joined {
        tracing::info!(session = %joined.session_id, "customer joined");
        session_log::record(&state.db, &joined.session_id, Event::CustomerJoined, None).await;
        // The customer's socket should follow at once; if it never comes, the session ends
        // like a lost connection instead of staying in the list forever.
        let absence = state.hub.expect_customer(&joined.session_id);
        watch_absence(state.clone(), joined.session_id.clone(), absence);
        // The PIN disappears from the technician's list once used.
        state.hub.sessions_changed(joined.technician_id);
    }
    Ok(joined)
}

/// The customer accepted the licence agreement: the session is Waiting for the technician.
pub async fn accept_eula(
    state: &AppState,
    session_id: &str,
    version: &str,
) -> Result<(), FlowError> {
    let row = existing(state, session_id).await?;
    match row.status_at(now_ms()).0 {
        SessionStatus::Pending => {}
        // Accepting again (an app that resends after reconnecting) changes nothing.
        SessionStatus::Waiting | SessionStatus::Active | SessionStatus::OnHold
            if row.eula_version.as_deref() == Some(version) =>
        {
            return Ok(());
        }
        SessionStatus::Waiting | SessionStatus::Active | SessionStatus::OnHold => {
            return refused("The licence agreement was already accepted.");
        }
        SessionStatus::Closed | SessionStatus::Expired | SessionStatus::TimedOut => {
            return refused(ALREADY_OVER);
        }
    }
    let current = &state.config.eula.version;
    if version != current {
        return refused(format!(
            "Licence agreement version {version:?} is not the current one ({current:?}); join again to read it."
        ));
    }
    if !store::sessions::accept_eula(&state.db, session_id, version).await? {
        return refused(ALREADY_OVER);
    }
    tracing::info!(session = %session_id, "customer accepted the EULA; waiting for the technician");
    session_log::record(&state.db, session_id, Event::EulaAccepted, Some(version)).await;
    state.hub.sessions_changed(row.technician_id);
    Ok(())
}

/// The technician clicked Start on a Waiting session. On an Active session of theirs this
/// resumes it (the console was reloaded and lost its peer connection): the customer is
/// asked for a new offer, which goes to this console.
pub async fn start(
    state: &AppState,
    technician_id: i64,
    conn: ConnId,
    session_id: &str,
) -> Result<(), FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    // Every Start carries this call's STUN/TURN servers with fresh credentials; issued
    // before any change is written, so that a failure to read the group changes nothing.
    let start_media = ServerToCustomer::Start {
        ice: ice::for_session(state, technician_id, session_id).await?,
    };
    match row.status_at(now_ms()).0 {
        SessionStatus::Waiting => {}
        SessionStatus::Active => {
            tracing::info!(session = %session_id, "technician resumed the session");
            state.hub.set_media_owner(session_id, conn);
            collaboration::start_media(state, &row, start_media).await?;
            return Ok(());
        }
        SessionStatus::OnHold => {
            if !store::sessions::resume(&state.db, session_id, technician_id).await? {
                return refused("This session is no longer on hold.");
            }
            tracing::info!(session = %session_id, "technician took the session off hold");
            session_log::record(&state.db, session_id, Event::Resumed, None).await;
            state.hub.set_media_owner(session_id, conn);
            // The customer starts its media again exactly as on the first Start.
            collaboration::status_changed(state, session_id, SessionStatus::Active);
            collaboration::start_media(state, &row, start_media).await?;
            state.hub.sessions_changed(technician_id);
            return Ok(());
        }
        SessionStatus::Pending if row.joined_at.is_none() => {
            return refused("The customer has not joined with the PIN yet.");
        }
        SessionStatus::Pending => {
            return refused("The customer has not accepted the licence agreement yet.");
        }
        SessionStatus::Closed | SessionStatus::Expired | SessionStatus::TimedOut => {
            return refused(ALREADY_OVER);
        }
    }
    if !store::sessions::start(&state.db, session_id, technician_id, now_ms()).await? {
        if store::sessions::active_session_of(&state.db, technician_id)
            .await?
            .is_some()
        {
            return refused(ALREADY_ACTIVE);
        }
        return refused("This session is no longer waiting.");
    }
    tracing::info!(session = %session_id, technician = technician_id, "session started");
    session_log::record(&state.db, session_id, Event::Started, None).await;
    state.hub.set_media_owner(session_id, conn);
    // If the customer is between connections, the Welcome on reconnect carries Active and
    // the Start follows it.
    state.hub.send_to_customer(session_id, start_media);
    state.hub.sessions_changed(technician_id);
    Ok(())
}

/// The technician puts an active session on hold: the customer stops its media, the
/// session stays theirs (and keeps counting as their one active session); Start resumes.
pub async fn hold(state: &AppState, technician_id: i64, session_id: &str) -> Result<(), FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    match row.status_at(now_ms()).0 {
        SessionStatus::Active => {}
        SessionStatus::OnHold => return Ok(()),
        _ => return refused("Only an active session can be put on hold."),
    }
    if !store::sessions::hold(&state.db, session_id, technician_id, now_ms()).await? {
        return refused("Only an active session can be put on hold.");
    }
    tracing::info!(session = %session_id, "session put on hold");
    session_log::record(&state.db, session_id, Event::OnHold, None).await;
    collaboration::put_on_hold(state, session_id);
    state.hub.sessions_changed(technician_id);
    Ok(())
}

/// The technician ended (or cancelled, before anyone joined) one of their sessions.
pub async fn end_by_technician(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
) -> Result<(), FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    if !row.is_live(now_ms()) || !end(state, session_id, EndReason::TechnicianEnded).await? {
        return refused(ALREADY_OVER);
    }
    Ok(())
}

/// Closes a live session for `reason`, telling the customer and refreshing the
/// technician's list. False if it was already over.
pub async fn end(state: &AppState, session_id: &str, reason: EndReason) -> anyhow::Result<bool> {
    let Some(technician_id) =
        store::sessions::close(&state.db, session_id, reason, now_ms()).await?
    else {
        return Ok(false);
    };
    announce_closed(state, session_id, technician_id, reason).await;
    Ok(true)
}

async fn announce_closed(
    state: &AppState,
    session_id: &str,
    technician_id: i64,
    reason: EndReason,
) {
    tracing::info!(session = %session_id, reason = ?reason, "session closed");
    let event = match reason {
        EndReason::EulaDeclined => Event::EulaDeclined,
        EndReason::WaitingTimedOut | EndReason::IdleTimedOut => Event::TimedOut,
        _ => Event::Ended,
    };
    session_log::record(&state.db, session_id, event, Some(reason.describe())).await;
    state.hub.end_session(session_id, reason);
    collaboration::session_over(state, session_id, Some(reason), None).await;
    state.hub.sessions_changed(technician_id);
}

/// "Create another PIN" (seed 002): the session's PIN, not yet redeemed, stops working at
/// once and a new session for the same customer takes its place with a fresh PIN, reaching
/// the customer the same way (`method`) and valid for `pin_ttl`, as in [`create`]. The old
/// session ends as `pin_replaced` (a customer who types its PIN is refused like for any
/// ended PIN) and its log names the new PIN. Refused once a customer has joined or the
/// session is over. The console (`POST /api/sessions/{id}/pin`) and the hand-off API both
/// come here.
pub async fn replace_pin(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
    pin_ttl: std::time::Duration,
) -> Result<IssuedPin, FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    if row.joined_at.is_some() {
        return refused(CUSTOMER_JOINED);
    }
    match row.status_at(now_ms()).0 {
        // An expired PIN needs no closing; the technician simply gets a new one.
        SessionStatus::Expired => {}
        SessionStatus::Pending => {
            // Conditional on nobody having joined meanwhile: a customer who got in first
            // keeps the session and the replacement is refused.
            let closed = store::sessions::close_unredeemed(
                &state.db,
                session_id,
                EndReason::PinReplaced,
                now_ms(),
            )
            .await?;
            if closed.is_none() {
                return refused(CUSTOMER_JOINED);
            }
            announce_closed(state, session_id, technician_id, EndReason::PinReplaced).await;
        }
        SessionStatus::Waiting
        | SessionStatus::Active
        | SessionStatus::OnHold
        | SessionStatus::Closed
        | SessionStatus::TimedOut => {
            return refused(ALREADY_OVER);
        }
    }
    let issued = create(
        state,
        technician_id,
        &row.customer_name,
        &row.method,
        pin_ttl,
    )
    .await?;
    let replaced_by = format!("New PIN {} (session {})", issued.pin, issued.session_id);
    session_log::record(
        &state.db,
        session_id,
        Event::PinReplaced,
        Some(&replaced_by),
    )
    .await;
    Ok(issued)
}

/// An answer or candidate from the technician's console, for the customer.
pub async fn relay_to_customer(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
    message: ServerToCustomer,
) -> Result<(), FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    if row.status_at(now_ms()).0 != SessionStatus::Active {
        return refused("This session is not active; click Start first.");
    }
    if !state.hub.send_to_customer(session_id, message) {
        // The customer is reconnecting; it will send a new offer when it is back.
        tracing::debug!(session = %session_id, "customer not connected; dropped a signalling message");
    }
    Ok(())
}

/// The technician asks the customer's camera to pause, resume, switch or light the torch.
/// Only the technician's own active session; whether the app obeys is the app's decision
/// (it answers with `media_state` or `control_refused`).
pub async fn camera_control(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
    control: CameraControl,
) -> Result<(), FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    if row.status_at(now_ms()).0 != SessionStatus::Active {
        return refused("The camera can only be controlled during an active session.");
    }
    if !state
        .hub
        .send_to_customer(session_id, ServerToCustomer::CameraControl { control })
    {
        return refused("The customer's app is reconnecting; try again in a moment.");
    }
    session_log::record(
        &state.db,
        session_id,
        Event::CameraControl,
        Some(control.label()),
    )
    .await;
    Ok(())
}

/// The customer's app did not carry out a camera control: the technician reads why, and the
/// session log keeps it. `message` comes bounded from the customer's socket (`ws::customer`).
pub async fn control_refused(
    state: &AppState,
    session_id: &str,
    control: CameraControl,
    message: String,
) -> Result<(), FlowError> {
    let detail = format!("{}: {message}", control.label());
    let relayed = ServerToTechnician::ControlRefused {
        session_id: session_id.to_owned(),
        control,
        message,
    };
    relay_to_technician(state, session_id, relayed).await?;
    session_log::record(&state.db, session_id, Event::ControlRefused, Some(&detail)).await;
    Ok(())
}

/// An offer or candidate from the customer, for the technician's console.
pub async fn relay_to_technician(
    state: &AppState,
    session_id: &str,
    message: ServerToTechnician,
) -> Result<(), FlowError> {
    let row = existing(state, session_id).await?;
    match row.status_at(now_ms()).0 {
        SessionStatus::Active => {}
        SessionStatus::Pending | SessionStatus::Waiting => {
            return refused("The technician has not started the session yet; wait for \"start\".");
        }
        SessionStatus::OnHold => {
            return refused("The technician put the session on hold; wait for \"start\".");
        }
        SessionStatus::Closed | SessionStatus::Expired | SessionStatus::TimedOut => {
            return refused(ALREADY_OVER);
        }
    }
    if state
        .hub
        .send_media_to_technician(row.technician_id, session_id, message)
        == 0
    {
        // The console is reloading; it resumes the session and gets a new offer then.
        tracing::debug!(session = %session_id, "no console connected; dropped a signalling message");
    }
    Ok(())
}

/// Starts the reconnect grace period for a customer who is missing. If the customer is
/// still missing when it runs out, the session ends with `connection_lost`.
pub fn watch_absence(state: AppState, session_id: String, absence: u64) {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(state.config.reconnect_grace) => {}
            // A restart gives every session a fresh grace period; do not end it on the way down.
            () = crate::state::until_shutdown(&mut shutdown) => return,
        }
        if !state.hub.customer_still_absent(&session_id, absence) {
            return;
        }
        match end(&state, &session_id, EndReason::ConnectionLost).await {
            Ok(true) => tracing::info!(session = %session_id, "customer did not come back in time"),
            Ok(false) => {}
            Err(error) => {
                tracing::error!(session = %session_id, error = format!("{error:#}"), "closing a lost session failed")
            }
        }
    });
}

/// After a restart no customer is connected: give each joined, live session the grace
/// period to reconnect.
pub async fn resume_after_restart(state: &AppState) -> anyhow::Result<()> {
    let sessions = store::sessions::joined_live_sessions(&state.db).await?;
    if !sessions.is_empty() {
        tracing::info!(
            count = sessions.len(),
            "waiting for customers of live sessions to reconnect"
        );
    }
    for session_id in sessions {
        let absence = state.hub.expect_customer(&session_id);
        watch_absence(state.clone(), session_id, absence);
    }
    Ok(())
}

pub(crate) async fn existing(state: &AppState, session_id: &str) -> Result<SessionRow, FlowError> {
    match store::sessions::get(&state.db, session_id).await? {
        Some(row) => Ok(row),
        None => refused(NO_SUCH_SESSION),
    }
}

/// The session, if it belongs to the technician. Someone else's session reads as missing,
/// so ids cannot be probed.
pub(crate) async fn owned(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
) -> Result<SessionRow, FlowError> {
    match store::sessions::get(&state.db, session_id).await? {
        Some(row) if row.technician_id == technician_id => Ok(row),
        _ => refused(NO_SUCH_SESSION),
    }
}
