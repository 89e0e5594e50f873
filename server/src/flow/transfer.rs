//! Transfer (seed 004): the technician hands a joined session to a colleague of the
//! organisation, who must be signed in to the console, be allowed to take Lens sessions and
//! have no active session. The customer keeps the session: no new PIN, no second licence.
//! A live session goes on hold on the way; the colleague's Start brings the media back to
//! their console. Never to an external technician: only accounts of this server are
//! colleagues, so anyone else reads as not of the organisation.

use lens_core::signal::{ServerToCustomer, ServerToTechnician, SessionStatus};
use serde::Serialize;

use crate::accounts::groups::Permission;
use crate::flow::access::Access;
use crate::flow::collaboration;
use crate::flow::sessions::{ALREADY_OVER, FlowError, owned};
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::session_log::{self, Event};
use crate::store::{self, technicians::Technician};

const NOT_A_COLLEAGUE: &str = "Sessions can only be transferred to technicians of your organisation (never to an external technician).";
const ALREADY_YOURS: &str = "This session is already yours.";
const NOT_JOINED: &str =
    "Only a session the customer has joined can be transferred; this one is waiting for the PIN.";

/// A colleague as the Transfer dialog lists them: signed-in colleagues first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferTarget {
    pub id: i64,
    pub name: String,
    pub online: bool,
    /// Why the session cannot go to them now (the sentence a transfer would be refused
    /// with); None if it can.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// The organisation's other technicians, signed-in first, each with whether a transfer to
/// them would be taken now.
pub async fn targets(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
) -> Result<Vec<TransferTarget>, FlowError> {
    transferable(state, technician_id, session_id).await?;
    let mut targets = Vec::new();
    for (id, _email, name, _group, _admin) in store::technicians::members(&state.db).await? {
        if id == technician_id {
            continue;
        }
        let colleague = Technician {
            id,
            email: String::new(),
            name,
        };
        let unavailable = why_not(state, &colleague).await?;
        targets.push(TransferTarget {
            id,
            online: state.hub.technician_connections(id) > 0,
            name: colleague.name,
            unavailable,
        });
    }
    targets.sort_by_key(|t| !t.online);
    Ok(targets)
}

/// Hands the session to `to`. Returns the colleague's name for the technician's message.
pub async fn transfer(
    state: &AppState,
    from: &Technician,
    session_id: &str,
    to: i64,
) -> Result<String, FlowError> {
    let row = transferable(state, from.id, session_id).await?;
    if to == from.id {
        return Err(FlowError::Refused(ALREADY_YOURS.into()));
    }
    let Some(colleague) = store::technicians::by_id(&state.db, to).await? else {
        return Err(FlowError::Refused(NOT_A_COLLEAGUE.into()));
    };
    if let Some(why) = why_not(state, &colleague).await? {
        return Err(FlowError::Refused(why));
    }
    // One conditional write: a colleague who started a session meanwhile, or a session
    // that ended or moved meanwhile, leaves everything as it was.
    if !store::sessions::transfer(&state.db, session_id, from.id, to, now_ms()).await? {
        if store::sessions::active_session_of(&state.db, to)
            .await?
            .is_some()
        {
            return Err(FlowError::Refused(busy(&colleague.name)));
        }
        return Err(FlowError::Refused(ALREADY_OVER.into()));
    }
    tracing::info!(session = %session_id, from = from.id, to, "session transferred");
    let detail = format!("From {} to {}", from.name, colleague.name);
    session_log::record(&state.db, session_id, Event::Transferred, Some(&detail)).await;
    // The old console's offer and answers are over; the colleague's Start names the new
    // owner. The customer stops its media (if it ran) and shows the colleague's name.
    state.hub.release_media_owner(session_id);
    // Collaborations end on a transfer: the collaborators were invited by the old lead.
    collaboration::session_over(state, session_id, None, Some(&colleague.name)).await;
    collaboration::announce(state, session_id, from.id);
    state.hub.send_to_customer(
        session_id,
        ServerToCustomer::Transferred {
            technician_name: colleague.name.clone(),
        },
    );
    state.hub.send_to_technician(
        to,
        ServerToTechnician::SessionTransferred {
            session_id: session_id.to_owned(),
            customer_name: row.customer_name.clone(),
            from_technician: from.name.clone(),
        },
    );
    state.hub.sessions_changed(from.id);
    state.hub.sessions_changed(to);
    Ok(colleague.name)
}

/// The technician's own session, in a state a transfer may take it from.
async fn transferable(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
) -> Result<store::sessions::SessionRow, FlowError> {
    let row = owned(state, technician_id, session_id).await?;
    match row.status_at(now_ms()).0 {
        SessionStatus::Waiting | SessionStatus::Active | SessionStatus::OnHold => Ok(row),
        SessionStatus::Pending => Err(FlowError::Refused(NOT_JOINED.into())),
        SessionStatus::Closed | SessionStatus::Expired | SessionStatus::TimedOut => {
            Err(FlowError::Refused(ALREADY_OVER.into()))
        }
    }
}

/// Why a colleague cannot take a session now, read fresh: an admin's change or a Start
/// elsewhere applies at once.
async fn why_not(state: &AppState, colleague: &Technician) -> anyhow::Result<Option<String>> {
    let name = &colleague.name;
    if !Access::of(&state.db, colleague.id)
        .await?
        .allows(Permission::StartLensSessions)
    {
        return Ok(Some(format!(
            "{name} is not allowed to take Lens sessions."
        )));
    }
    if state.hub.technician_connections(colleague.id) == 0 {
        return Ok(Some(format!("{name} is not signed in to the console.")));
    }
    if store::sessions::active_session_of(&state.db, colleague.id)
        .await?
        .is_some()
    {
        return Ok(Some(busy(name)));
    }
    Ok(None)
}

fn busy(name: &str) -> String {
    format!("{name} already has an active session.")
}
