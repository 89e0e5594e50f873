//! Inviting a technician to collaborate: who may invite whom, by which method, and the
//! five-technician limit.

use super::*;
use crate::accounts::groups::{self, Group, Permission};
use crate::store::duration_ms;
use crate::store::invitations::{Inserted, NewInvitation};
use crate::tokens::random_pin;

// ---- invitations ------------------------------------------------------------------------

/// Seed 004's three ways to name the invited technician.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteKind {
    /// A technician of the organisation (an account here).
    Internal,
    /// One of the admin's approved external technicians.
    Approved,
    /// Anyone, by name and e-mail address.
    Unlisted,
}

impl InviteKind {
    fn as_str(self) -> &'static str {
        match self {
            InviteKind::Internal => "internal",
            InviteKind::Approved => "approved",
            InviteKind::Unlisted => "unlisted",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct InviteRequest {
    pub kind: InviteKind,
    /// Internal: the colleague's technician id.
    #[serde(default)]
    pub technician_id: Option<i64>,
    /// Approved: the entry of the admin's list.
    #[serde(default)]
    pub approved_id: Option<String>,
    /// Unlisted: the technician's name, and their address (needed for the e-mail method).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub permissions: CollaboratorPermissions,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub method: Method,
    /// E-mail method: the server sends it (else the console opens the technician's own mail
    /// client with the text of the answer).
    #[serde(default)]
    pub send_email: bool,
}

/// What the method needs, for the inviting technician.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedInvitation {
    pub kind: InviteKind,
    pub name: String,
    pub method: Method,
    /// Unix milliseconds.
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// `<server>/collaborate#<token>`: opens the collaborator page with the invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// E-mail from the technician's own client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<email::Invitation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_to: Option<String>,
    /// The address the server sent it to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emailed_to: Option<String>,
    /// Internal: how many of the colleague's consoles were told.
    #[serde(default)]
    pub notified: usize,
}

/// The invited technician, resolved.
struct Invitee {
    technician_id: Option<i64>,
    approved_id: Option<String>,
    name: String,
    email: Option<String>,
}

/// The note as stored: trimmed, bounded, no control characters but line breaks.
fn valid_note(note: &str) -> Result<String, CollabError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(CollabError::Invalid(
            "invalid_note",
            format!("A note has at most {MAX_NOTE_CHARS} characters."),
        ));
    }
    Ok(note.to_owned())
}

/// The lead's group: whose settings every invitation to the session follows.
pub(super) async fn lead_group(state: &AppState, row: &SessionRow) -> Result<Group, CollabError> {
    groups::of_technician(&state.db, row.technician_id)
        .await?
        .ok_or_else(|| {
            forbidden(
                "permission_denied",
                "The session's technician group allows no invitations.",
            )
        })
}

pub(super) fn method_permission(method: Method) -> Permission {
    match method {
        Method::Pin => Permission::UsePin,
        Method::Email => Permission::UseEmail,
        Method::Link => Permission::UseLink,
    }
}

async fn invitee(
    state: &AppState,
    caller: &Caller,
    row: &SessionRow,
    group: &Group,
    request: &InviteRequest,
) -> Result<Invitee, CollabError> {
    match request.kind {
        InviteKind::Internal if caller.is_external() => {
            Err(forbidden("permission_denied", NOT_FOR_EXTERNALS))
        }
        InviteKind::Internal => {
            let id = request.technician_id.ok_or_else(|| {
                CollabError::Invalid(
                    "invalid_invitation",
                    "Choose a technician to invite.".into(),
                )
            })?;
            let Some(colleague) = store::technicians::by_id(&state.db, id).await? else {
                return Err(CollabError::NotFound(
                    "no_such_technician",
                    "There is no such technician in your organisation.".into(),
                ));
            };
            if id == row.technician_id {
                return Err(CollabError::Invalid(
                    "invalid_invitation",
                    "This technician already leads the session.".into(),
                ));
            }
            if let Caller::Collaborator { seat } = caller
                && seat.technician_id == Some(id)
            {
                return Err(CollabError::Invalid(
                    "invalid_invitation",
                    "You are already in this session.".into(),
                ));
            }
            Ok(Invitee {
                technician_id: Some(id),
                approved_id: None,
                name: colleague.name,
                email: Some(colleague.email),
            })
        }
        InviteKind::Approved => {
            if !group.invite_approved {
                return Err(CollabError::Forbidden {
                    code: "permission_denied",
                    message: "Your technician group is not allowed to invite approved external technicians.".into(),
                    permission: Some("invite_approved"),
                });
            }
            let id = request.approved_id.as_deref().unwrap_or_default();
            let Some((approved_id, name, address)) =
                invitations::approved_by_id(&state.db, id).await?
            else {
                return Err(CollabError::NotFound(
                    "no_such_technician",
                    "This technician is not on the approved list.".into(),
                ));
            };
            Ok(Invitee {
                technician_id: None,
                approved_id: Some(approved_id),
                name,
                email: Some(address),
            })
        }
        InviteKind::Unlisted => {
            if !group.invite_unlisted {
                return Err(CollabError::Forbidden {
                    code: "permission_denied",
                    message: "Your technician group is not allowed to invite unlisted external technicians.".into(),
                    permission: Some("invite_unlisted"),
                });
            }
            let name = validate_customer_name(request.name.as_deref().unwrap_or_default())
                .map_err(|_| {
                    CollabError::Invalid(
                        "invalid_name",
                        "Enter the technician's name (1 to 100 characters).".into(),
                    )
                })?
                .to_owned();
            let address = match request.email.as_deref().map(str::trim) {
                Some(address) if !address.is_empty() => Some(
                    email::parse_address(address)
                        .map_err(|e| CollabError::Invalid("invalid_email_address", e.to_string()))?
                        .email
                        .to_string(),
                ),
                _ => None,
            };
            Ok(Invitee {
                technician_id: None,
                approved_id: None,
                name,
                email: address,
            })
        }
    }
}

/// Invites one more technician to the caller's active session.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    session_id: &str,
    request: &InviteRequest,
) -> Result<IssuedInvitation, CollabError> {
    let row = session_for(
        state,
        caller,
        session_id,
        |p| p.invite,
        "invite technicians",
    )
    .await?;
    let now = now_ms();
    match row.status_at(now).0 {
        SessionStatus::Active => {}
        SessionStatus::Closed | SessionStatus::Expired | SessionStatus::TimedOut => {
            return Err(CollabError::Gone("already_ended", ALREADY_OVER.into()));
        }
        _ => {
            return Err(CollabError::Conflict(
                "session_not_active",
                NOT_ACTIVE.into(),
            ));
        }
    }
    let group = lead_group(state, &row).await?;
    if !group.allows(method_permission(request.method)) {
        let permission = method_permission(request.method);
        return Err(CollabError::Forbidden {
            code: "permission_denied",
            message: format!(
                "Your technician group is not allowed to {}.",
                permission.describe()
            ),
            permission: Some(permission.name()),
        });
    }
    let note = valid_note(&request.note)?;
    let invitee = invitee(state, caller, &row, &group, request).await?;
    // Checked before anything is written: a refused e-mail leaves no invitation behind.
    let send_to =
        match request.method {
            Method::Email => {
                let Some(address) = &invitee.email else {
                    return Err(CollabError::Invalid(
                        "invalid_email_address",
                        "An e-mail invitation needs the technician's e-mail address.".into(),
                    ));
                };
                if request.send_email {
                    if state.config.smtp.is_none() {
                        return Err(CollabError::Mail(
                        false,
                        "This server has no mail relay; send the e-mail from your own mail client."
                            .into(),
                    ));
                    }
                    Some(email::parse_address(address).map_err(|e| {
                        CollabError::Invalid("invalid_email_address", e.to_string())
                    })?)
                } else {
                    None
                }
            }
            Method::Pin | Method::Link => None,
        };
    if invitations::taken(&state.db, session_id, now).await? >= MAX_COLLABORATORS {
        return Err(CollabError::Conflict(
            "too_many_technicians",
            TOO_MANY.into(),
        ));
    }

    let pin_ttl = group.pin_ttl(&state.config);
    let expires_at = now.saturating_add(duration_ms(pin_ttl));
    // A link (and e-mail) carries a token; an internal invitation always has one too, for
    // the "Join" of the colleague's console notice.
    let token =
        (request.method != Method::Pin || invitee.technician_id.is_some()).then(random_token);
    let token_hash = token.as_deref().map(|t| sha256_hex(t.as_bytes()));
    let invitation_id = random_id();
    let mut pin = None;
    let mut written = false;
    for _ in 0..ISSUE_ATTEMPTS {
        pin = (request.method == Method::Pin).then(random_pin);
        let new = NewInvitation {
            id: &invitation_id,
            session_id,
            invited_by: caller.name(),
            kind: request.kind.as_str(),
            technician_id: invitee.technician_id,
            approved_id: invitee.approved_id.as_deref(),
            name: &invitee.name,
            email: invitee.email.as_deref(),
            permissions: flags(request.permissions),
            note: &note,
            method: request.method.as_str(),
            pin: pin.as_deref(),
            token_hash: token_hash.as_deref(),
            now,
            expires_at,
            remembered_since: now - memory_ms(pin_ttl),
        };
        match invitations::insert_if_room(&state.db, &new, MAX_COLLABORATORS).await? {
            Inserted::Yes => {
                written = true;
                break;
            }
            Inserted::Full => {
                return Err(CollabError::Conflict(
                    "too_many_technicians",
                    TOO_MANY.into(),
                ));
            }
            Inserted::PinTaken => {}
        }
    }
    if !written {
        return Err(
            anyhow::anyhow!("no free invitation PIN after {ISSUE_ATTEMPTS} attempts").into(),
        );
    }
    let link = token
        .as_deref()
        .map(|token| format!("{}{COLLABORATE_PATH}#{token}", state.public_base()));
    let external = match request.kind {
        InviteKind::Internal => "of the organisation",
        InviteKind::Approved => "external, approved",
        InviteKind::Unlisted => "external, unlisted",
    };
    let detail = format!(
        "{} invited {} ({external}) by {}: {}",
        caller.name(),
        invitee.name,
        request.method.as_str(),
        describe(request.permissions)
    );
    session_log::record(
        &state.db,
        session_id,
        Event::CollaboratorInvited,
        Some(&detail),
    )
    .await;
    tracing::info!(session = %session_id, kind = request.kind.as_str(), "technician invited to collaborate");

    let mut issued = IssuedInvitation {
        kind: request.kind,
        name: invitee.name.clone(),
        method: request.method,
        expires_at,
        pin: pin.clone(),
        link: link.clone(),
        email: None,
        email_to: None,
        emailed_to: None,
        notified: 0,
    };
    if let (Some(colleague), Some(link)) = (invitee.technician_id, &link) {
        issued.notified = state.hub.send_to_technician(
            colleague,
            ServerToTechnician::InvitedToCollaborate {
                session_id: session_id.to_owned(),
                customer_name: row.customer_name.clone(),
                from_technician: caller.name().to_owned(),
                note: note.clone(),
                invitation_url: link.clone(),
            },
        );
    }
    if request.method == Method::Email {
        let mail = email::collaboration_invitation(&email::CollaborationFacts {
            organisation: &state.config.organisation,
            from_technician: caller.name(),
            technician_name: &invitee.name,
            link: link.as_deref().unwrap_or_default(),
            note: &note,
            valid_minutes: pin_ttl.as_secs().div_ceil(60),
        });
        match (send_to, &state.config.smtp) {
            (Some(to), Some(smtp)) => {
                let address = to.email.to_string();
                if let Err(error) = email::send(smtp, to, &mail).await {
                    // Nobody got the link: it must not stay redeemable.
                    invitations::end(&state.db, &invitation_id, now_ms()).await?;
                    return Err(CollabError::Mail(true, error.to_string()));
                }
                session_log::record(&state.db, session_id, Event::EmailSent, Some(&address)).await;
                issued.emailed_to = Some(address);
            }
            _ => {
                issued.email = Some(mail);
                issued.email_to = invitee.email.clone();
            }
        }
    }
    Ok(issued)
}
