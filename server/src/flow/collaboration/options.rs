//! What the Invite Technician dialog offers, and the admin's approved external technicians.

use super::*;

/// What the Invite Technician dialog offers for the session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteOptions {
    /// The organisation's other technicians, signed-in first.
    pub internal: Vec<Colleague>,
    /// The admin's approved list, if the group may invite from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Vec<ApprovedTechnician>>,
    /// Whether anyone may be invited by name and address.
    pub unlisted: bool,
    /// The connection methods the group allows.
    pub methods: Vec<Method>,
    /// Whether the server can send the e-mail itself.
    pub email_relay: bool,
    /// Invitations still possible before the session is full.
    pub places_left: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Colleague {
    pub id: i64,
    pub name: String,
    pub online: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApprovedTechnician {
    pub id: String,
    pub name: String,
    pub email: String,
}

pub async fn options(
    state: &AppState,
    caller: &Caller,
    session_id: &str,
) -> Result<InviteOptions, CollabError> {
    let row = session_for(
        state,
        caller,
        session_id,
        |p| p.invite,
        "invite technicians",
    )
    .await?;
    let group = lead_group(state, &row).await?;
    let mut internal = Vec::new();
    let colleagues = match caller.is_external() {
        true => Vec::new(),
        false => store::technicians::members(&state.db).await?,
    };
    for (id, _email, name, _group, _admin) in colleagues {
        let in_session =
            matches!(caller, Caller::Collaborator { seat } if seat.technician_id == Some(id));
        if id == row.technician_id || in_session {
            continue;
        }
        internal.push(Colleague {
            id,
            name,
            online: state.hub.technician_connections(id) > 0,
        });
    }
    internal.sort_by_key(|c| !c.online);
    let approved = if group.invite_approved {
        let mut list = approved_list(state).await?;
        // The lead's list is the organisation's: an outsider chooses by name only.
        if caller.is_external() {
            list.iter_mut().for_each(|entry| entry.email.clear());
        }
        Some(list)
    } else {
        None
    };
    let methods = [Method::Pin, Method::Email, Method::Link]
        .into_iter()
        .filter(|m| group.allows(method_permission(*m)))
        .collect();
    let taken = invitations::taken(&state.db, session_id, now_ms()).await?;
    Ok(InviteOptions {
        internal,
        approved,
        unlisted: group.invite_unlisted,
        methods,
        email_relay: state.config.smtp.is_some(),
        places_left: (MAX_COLLABORATORS - taken).max(0),
    })
}

// ---- the admin's approved list -----------------------------------------------------------

pub async fn approved_list(state: &AppState) -> anyhow::Result<Vec<ApprovedTechnician>> {
    Ok(invitations::approved(&state.db)
        .await?
        .into_iter()
        .map(|(id, name, email)| ApprovedTechnician { id, name, email })
        .collect())
}

pub async fn approve(
    state: &AppState,
    name: &str,
    address: &str,
) -> Result<ApprovedTechnician, CollabError> {
    let name = validate_customer_name(name)
        .map_err(|_| {
            CollabError::Invalid(
                "invalid_name",
                "Enter the technician's name (1 to 100 characters).".into(),
            )
        })?
        .to_owned();
    let address = email::parse_address(address)
        .map_err(|e| CollabError::Invalid("invalid_email_address", e.to_string()))?
        .email
        .to_string();
    let entry = (random_id(), name, address);
    match invitations::insert_approved(&state.db, &entry, &entry.2.to_lowercase(), now_ms()).await {
        Ok(()) => {}
        Err(error) if store::is_unique_violation(&error) => {
            return Err(CollabError::Conflict(
                "already_approved",
                "This address is already on the approved list.".into(),
            ));
        }
        Err(error) => return Err(anyhow::Error::from(error).into()),
    }
    let (id, name, email) = entry;
    Ok(ApprovedTechnician { id, name, email })
}
