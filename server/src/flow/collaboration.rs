//! Collaborating technicians (seed 004): the lead of an active session, or a collaborator
//! allowed to, invites up to four more technicians (from the organisation, from the admin's
//! approved list, or anyone by name); an invitation is redeemed once, by PIN or link, and
//! becomes a seat whose console gets its own peer connection from the customer's phone. The
//! server relays that connection's signalling, enforces what the lead allowed, and tells
//! everyone when the session holds, resumes, moves or ends.
//!
//! Nothing here trusts the collaborator's client for identity: a seat is found by the hash
//! of the credential its redemption set, and every relay uses the session bound to that seat.

use std::time::Duration;

use lens_core::signal::{
    CameraControl, CollaboratorPermissions, EndReason, IceCandidate, MAX_TECHNICIANS_PER_SESSION,
    ServerToCollaborator, ServerToCustomer, ServerToTechnician, SessionStatus, SessionSummary,
};
use serde::{Deserialize, Serialize};

use crate::accounts::groups::{self, Group, Permission};
use crate::email;
use crate::flow::ice;
use crate::flow::pins::memory_ms;
use crate::flow::sessions::{self, ALREADY_OVER, FlowError, validate_customer_name};
use crate::http::sessions_api::Method;
use crate::state::AppState;
use crate::store::invitations::{self, Inserted, InvitationRow, NewInvitation};
use crate::store::session_log::{self, Event};
use crate::store::sessions::SessionRow;
use crate::store::{self, duration_ms, now_ms};
use crate::tokens::{random_id, random_pin, random_token, sha256_hex};
use crate::ws::seats::Seat;

/// Collaborators a session may have besides its lead.
pub const MAX_COLLABORATORS: i64 = MAX_TECHNICIANS_PER_SESSION as i64 - 1;
/// Longest note to the invited technician.
pub const MAX_NOTE_CHARS: usize = 500;
/// Where an invitation link points; the token follows `#`, so it never reaches a server log.
pub const COLLABORATE_PATH: &str = "/collaborate";
/// Attempts at a free invitation PIN (see `pins.rs`).
const ISSUE_ATTEMPTS: usize = 64;

const TOO_MANY: &str = "A session can have at most 5 technicians (you and 4 collaborators), \
                        counting unused invitations; remove a collaborator or wait for an invitation to expire.";
const NOT_ACTIVE: &str = "Technicians can only be invited to an active session.";
const NOT_FOUND: &str =
    "This invitation is not valid. Check the PIN or ask the technician for a new invitation.";
const EXPIRED: &str = "This invitation has expired. Ask the technician for a new one.";
const USED: &str = "This invitation has already been used. Ask the technician for a new one.";

/// Why a collaboration request was refused; each maps to one HTTP status and code.
#[derive(Debug, thiserror::Error)]
pub enum CollabError {
    /// 400: the request itself is wrong.
    #[error("{1}")]
    Invalid(&'static str, String),
    /// 401: the invitation needs the invited technician's console log-in.
    #[error("{1}")]
    SignInFirst(&'static str, String),
    /// 403: not allowed to the caller (a permission the lead or the group did not give).
    #[error("{message}")]
    Forbidden {
        code: &'static str,
        message: String,
        permission: Option<&'static str>,
    },
    /// 404: no such thing (for this caller).
    #[error("{1}")]
    NotFound(&'static str, String),
    /// 409: not in the session's present state.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// 410: expired or over.
    #[error("{1}")]
    Gone(&'static str, String),
    /// 502/503: the mail relay.
    #[error("{1}")]
    Mail(bool, String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<FlowError> for CollabError {
    fn from(error: FlowError) -> CollabError {
        match error {
            FlowError::Refused(message) if message == ALREADY_OVER => {
                CollabError::Gone("already_ended", message)
            }
            FlowError::Refused(message) => CollabError::NotFound("no_such_session", message),
            FlowError::Internal(error) => CollabError::Internal(error),
        }
    }
}

fn forbidden(code: &'static str, message: impl Into<String>) -> CollabError {
    CollabError::Forbidden {
        code,
        message: message.into(),
        permission: None,
    }
}

/// Who is asking: the session's lead (signed in to the console), or a collaborator in one of
/// its seats (found by the seat's credential, never by anything the client says).
#[derive(Debug, Clone)]
pub enum Caller {
    Lead { technician_id: i64, name: String },
    Collaborator { seat: InvitationRow },
}

impl Caller {
    fn name(&self) -> &str {
        match self {
            Caller::Lead { name, .. } => name,
            Caller::Collaborator { seat } => &seat.name,
        }
    }
}

/// The collaborator's permissions as the lead last set them: the live seat's, else the row's.
pub fn seat_permissions(state: &AppState, seat: &InvitationRow) -> CollaboratorPermissions {
    state
        .seats
        .seat(&seat.session_id, &seat.id)
        .map_or_else(|| permissions_of(seat), |live| live.permissions)
}

fn permissions_of(row: &InvitationRow) -> CollaboratorPermissions {
    CollaboratorPermissions {
        talk: row.can_talk != 0,
        camera_controls: row.can_control_camera != 0,
        invite: row.can_invite != 0,
        session_log: row.can_read_log != 0,
    }
}

fn flags(permissions: CollaboratorPermissions) -> [i64; 4] {
    [
        i64::from(permissions.talk),
        i64::from(permissions.camera_controls),
        i64::from(permissions.invite),
        i64::from(permissions.session_log),
    ]
}

/// "talk, camera controls" for the log and the lead's messages.
fn describe(permissions: CollaboratorPermissions) -> String {
    let names: Vec<&str> = [
        (permissions.talk, "talk"),
        (permissions.camera_controls, "camera controls"),
        (permissions.invite, "invite"),
        (permissions.session_log, "session log"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if names.is_empty() {
        "watch only".to_owned()
    } else {
        names.join(", ")
    }
}

/// The session a caller may act on: the lead's own, or the collaborator's seat's (and only
/// if the collaborator has `permission`). Someone else's session reads as missing.
async fn session_for(
    state: &AppState,
    caller: &Caller,
    session_id: &str,
    permission: fn(&CollaboratorPermissions) -> bool,
    what: &str,
) -> Result<SessionRow, CollabError> {
    match caller {
        Caller::Lead { technician_id, .. } => {
            Ok(sessions::owned(state, *technician_id, session_id).await?)
        }
        Caller::Collaborator { seat } => {
            if seat.session_id != session_id {
                return Err(CollabError::NotFound(
                    "no_such_session",
                    "There is no such session in your list.".into(),
                ));
            }
            if !permission(&seat_permissions(state, seat)) {
                return Err(CollabError::Forbidden {
                    code: "permission_denied",
                    message: format!("The lead technician has not allowed you to {what}."),
                    permission: Some("collaborator"),
                });
            }
            Ok(sessions::existing(state, session_id).await?)
        }
    }
}

/// Whether the caller may read the session's log (the lead, or a collaborator with
/// `session_log`).
pub async fn may_read_log(
    state: &AppState,
    caller: &Caller,
    session_id: &str,
) -> Result<(), CollabError> {
    session_for(
        state,
        caller,
        session_id,
        |p| p.session_log,
        "read the session log",
    )
    .await
    .map(|_| ())
}

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
async fn lead_group(state: &AppState, row: &SessionRow) -> Result<Group, CollabError> {
    groups::of_technician(&state.db, row.technician_id)
        .await?
        .ok_or_else(|| {
            forbidden(
                "permission_denied",
                "The session's technician group allows no invitations.",
            )
        })
}

fn method_permission(method: Method) -> Permission {
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
    for (id, _email, name, _group, _admin) in store::technicians::members(&state.db).await? {
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
        Some(approved_list(state).await?)
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

// ---- redeeming ---------------------------------------------------------------------------

/// What the invited technician typed or clicked.
pub enum Credential<'a> {
    Pin(&'a str),
    Token(&'a str),
}

/// A redeemed invitation: the credential for the collaborator's console (set as a cookie)
/// and what its page shows before the socket opens.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub seat_token: String,
    pub session_id: String,
    pub name: String,
}

/// Redeems an invitation. `console` is the technician signed in to this browser's console,
/// if any: an internal invitation is for that one technician only.
pub async fn redeem(
    state: &AppState,
    credential: Credential<'_>,
    console: Option<i64>,
) -> Result<Redeemed, CollabError> {
    let now = now_ms();
    let found = match credential {
        Credential::Pin(pin) => {
            invitations::newest_with_pin(&state.db, pin, now - memory_ms(Duration::from_secs(3600)))
                .await?
        }
        Credential::Token(token) => {
            invitations::by_token_hash(&state.db, &sha256_hex(token.as_bytes())).await?
        }
    };
    let Some(invitation) = found else {
        return Err(CollabError::NotFound(
            "invitation_not_found",
            NOT_FOUND.into(),
        ));
    };
    let session = sessions::existing(state, &invitation.session_id).await?;
    let live = matches!(
        session.status_at(now).0,
        SessionStatus::Active | SessionStatus::OnHold
    );
    if !live {
        invitations::end(&state.db, &invitation.id, now).await?;
        return Err(CollabError::Gone("already_ended", ALREADY_OVER.into()));
    }
    if invitation.redeemed_at.is_some() {
        return Err(CollabError::Conflict("invitation_used", USED.into()));
    }
    if invitation.ended_at.is_some() || invitation.expires_at <= now {
        return Err(CollabError::Gone("invitation_expired", EXPIRED.into()));
    }
    if let Some(invited) = invitation.technician_id {
        match console {
            Some(id) if id == invited => {}
            Some(_) => {
                return Err(forbidden(
                    "wrong_technician",
                    format!(
                        "This invitation is for {}; only their console log-in can use it.",
                        invitation.name
                    ),
                ));
            }
            None => {
                return Err(CollabError::SignInFirst(
                    "sign_in_required",
                    format!(
                        "This invitation is for {}: sign in to the Lens console as {} first.",
                        invitation.name, invitation.name
                    ),
                ));
            }
        }
    }
    let seat_token = random_token();
    if !invitations::redeem(
        &state.db,
        &invitation.id,
        &sha256_hex(seat_token.as_bytes()),
        now,
        MAX_COLLABORATORS,
    )
    .await?
    {
        // Lost a race: another redemption of this one, or the last seat went meanwhile.
        return match invitations::by_id(&state.db, &invitation.id).await? {
            Some(again) if again.redeemed_at.is_some() => {
                Err(CollabError::Conflict("invitation_used", USED.into()))
            }
            Some(again) if again.ended_at.is_some() || again.expires_at <= now => {
                Err(CollabError::Gone("invitation_expired", EXPIRED.into()))
            }
            _ => Err(CollabError::Conflict(
                "too_many_technicians",
                TOO_MANY.into(),
            )),
        };
    }
    let seat = Seat {
        invitation_id: invitation.id.clone(),
        name: invitation.name.clone(),
        external: invitation.kind != "internal",
        permissions: permissions_of(&invitation),
        joined_at: now,
    };
    let absence = state.seats.sit(&invitation.session_id, seat);
    watch_seat(
        state.clone(),
        invitation.session_id.clone(),
        invitation.id.clone(),
        absence,
    );
    session_log::record(
        &state.db,
        &invitation.session_id,
        Event::CollaboratorJoined,
        Some(&invitation.name),
    )
    .await;
    tracing::info!(session = %invitation.session_id, "collaborator redeemed an invitation");
    Ok(Redeemed {
        seat_token,
        session_id: invitation.session_id,
        name: invitation.name,
    })
}

/// The live seat a collaborator's credential opens, if any.
pub async fn seat_of_credential(
    state: &AppState,
    seat_token: &str,
) -> anyhow::Result<Option<InvitationRow>> {
    invitations::seat_by_hash(&state.db, &sha256_hex(seat_token.as_bytes())).await
}

/// A seat whose console has not (re)connected within the reconnect grace period is given
/// up: the collaborator left.
pub fn watch_seat(state: AppState, session_id: String, invitation_id: String, absence: u64) {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(state.config.reconnect_grace) => {}
            () = crate::state::until_shutdown(&mut shutdown) => return,
        }
        if !state
            .seats
            .still_absent(&session_id, &invitation_id, absence)
        {
            return;
        }
        if let Err(error) = stand_up(&state, &session_id, &invitation_id, Departure::Gone).await {
            tracing::error!(session = %session_id, error = format!("{error:#}"), "giving up an empty seat failed");
        }
    });
}

// ---- the collaborator's socket -----------------------------------------------------------

/// What a newly connected collaborator console is told first, and what the customer is told.
pub async fn connected(
    state: &AppState,
    seat: &InvitationRow,
    peer: &str,
    replaced: Option<String>,
) -> Result<ServerToCollaborator, FlowError> {
    let row = sessions::existing(state, &seat.session_id).await?;
    let status = row.status_at(now_ms()).0;
    let lead_name = store::technicians::by_id(&state.db, row.technician_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    if let Some(old) = replaced {
        state
            .hub
            .send_to_customer(&row.id, ServerToCustomer::CollaboratorLeft { peer: old });
    }
    let live = state.seats.seat(&seat.session_id, &seat.id);
    let permissions = live.map_or_else(|| permissions_of(seat), |s| s.permissions);
    if status == SessionStatus::Active {
        let ice = ice::for_session(state, row.technician_id, &row.id).await?;
        state.hub.send_to_customer(
            &row.id,
            ServerToCustomer::CollaboratorJoined {
                peer: peer.to_owned(),
                technician_name: seat.name.clone(),
                talk: permissions.talk,
                ice,
            },
        );
    }
    announce(state, &row.id, row.technician_id);
    Ok(ServerToCollaborator::Welcome {
        session_id: row.id.clone(),
        customer_name: row.customer_name.clone(),
        lead_name,
        note: seat.note.clone(),
        permissions,
        status,
    })
}

/// The collaborator's console went away without leaving: the customer drops its peer
/// connection; the seat waits for the console for the grace period.
pub async fn disconnected(state: &AppState, seat: &InvitationRow, peer: &str, absence: u64) {
    state.hub.send_to_customer(
        &seat.session_id,
        ServerToCustomer::CollaboratorLeft {
            peer: peer.to_owned(),
        },
    );
    if let Ok(Some(row)) = store::sessions::get(&state.db, &seat.session_id).await {
        announce(state, &row.id, row.technician_id);
    }
    watch_seat(
        state.clone(),
        seat.session_id.clone(),
        seat.id.clone(),
        absence,
    );
}

/// The collaborator's answer or candidate, for the customer's connection of `peer`.
pub async fn relay_to_customer(
    state: &AppState,
    seat: &InvitationRow,
    message: ServerToCustomer,
) -> Result<(), FlowError> {
    let row = sessions::existing(state, &seat.session_id).await?;
    match row.status_at(now_ms()).0 {
        SessionStatus::Active => {}
        SessionStatus::OnHold => {
            return Err(FlowError::Refused(
                "The session is on hold; wait for the lead technician to resume it.".into(),
            ));
        }
        _ => return Err(FlowError::Refused(ALREADY_OVER.into())),
    }
    if !state.hub.send_to_customer(&row.id, message) {
        tracing::debug!(session = %row.id, "customer not connected; dropped a collaborator's signalling message");
    }
    Ok(())
}

pub fn answer(peer: &str, sdp: String) -> ServerToCustomer {
    ServerToCustomer::PeerAnswer {
        peer: peer.to_owned(),
        sdp,
    }
}

pub fn candidate(peer: &str, candidate: IceCandidate) -> ServerToCustomer {
    ServerToCustomer::PeerCandidate {
        peer: peer.to_owned(),
        candidate,
    }
}

/// A camera control from a collaborator: only with the lead's `camera_controls`.
pub async fn camera_control(
    state: &AppState,
    seat: &InvitationRow,
    control: CameraControl,
) -> Result<(), FlowError> {
    if !seat_permissions(state, seat).camera_controls {
        return Err(FlowError::Refused(
            "The lead technician has not allowed you to control the customer's camera.".into(),
        ));
    }
    let row = sessions::existing(state, &seat.session_id).await?;
    if row.status_at(now_ms()).0 != SessionStatus::Active {
        return Err(FlowError::Refused(
            "The camera can only be controlled during an active session.".into(),
        ));
    }
    if !state
        .hub
        .send_to_customer(&row.id, ServerToCustomer::CameraControl { control })
    {
        return Err(FlowError::Refused(
            "The customer's app is reconnecting; try again in a moment.".into(),
        ));
    }
    let detail = format!("{} (by {})", control.label(), seat.name);
    session_log::record(&state.db, &row.id, Event::CameraControl, Some(&detail)).await;
    Ok(())
}

/// A STUN or TURN server failed for the collaborator's browser.
pub async fn ice_server_error(
    state: &AppState,
    seat: &InvitationRow,
    url: &str,
    code: u16,
    text: &str,
) {
    let who = format!("The console of {}", seat.name);
    let message = crate::flow::media_events::describe_ice_server_error(&who, url, code, text);
    session_log::record(
        &state.db,
        &seat.session_id,
        Event::IceServerError,
        Some(&message),
    )
    .await;
}

// ---- the customer's side -----------------------------------------------------------------

/// The customer's offer or candidate for a collaborator's connection. A peer that is gone
/// (its console left or reconnected as a new peer) gets nothing.
pub async fn relay_to_collaborator(
    state: &AppState,
    session_id: &str,
    peer: &str,
    message: ServerToCollaborator,
) -> Result<(), FlowError> {
    let row = sessions::existing(state, session_id).await?;
    if row.status_at(now_ms()).0 != SessionStatus::Active {
        return Err(FlowError::Refused(
            "The technician has not started the session; wait for \"start\".".into(),
        ));
    }
    if !state.seats.send_to_peer(session_id, peer, message) {
        tracing::debug!(session = %session_id, "no such collaborator peer; dropped a signalling message");
    }
    Ok(())
}

/// The customer's offer for `peer`, with that collaborator's ICE servers.
pub async fn offer_for(
    state: &AppState,
    session_id: &str,
    sdp: String,
) -> Result<ServerToCollaborator, FlowError> {
    let row = sessions::existing(state, session_id).await?;
    Ok(ServerToCollaborator::Offer {
        sdp,
        ice: ice::for_session(state, row.technician_id, session_id).await?,
    })
}

/// Tells the customer about every connected collaborator (after a Start, a resume, or when
/// its socket came back): repeats are harmless to the app.
pub async fn introduce_all(state: &AppState, row: &SessionRow) -> anyhow::Result<()> {
    for peer in state.seats.peers(&row.id) {
        let ice = ice::for_session(state, row.technician_id, &row.id).await?;
        state.hub.send_to_customer(
            &row.id,
            ServerToCustomer::CollaboratorJoined {
                peer: peer.peer,
                technician_name: peer.name,
                talk: peer.talk,
                ice,
            },
        );
    }
    Ok(())
}

/// The session's status changed (hold, resume): every collaborator is told.
pub fn status_changed(state: &AppState, session_id: &str, status: SessionStatus) {
    state
        .seats
        .broadcast(session_id, &ServerToCollaborator::Status { status });
}

/// Something of the customer's camera every technician in the session should see.
pub fn tell_all(state: &AppState, session_id: &str, message: ServerToCollaborator) {
    state.seats.broadcast(session_id, &message);
}

// ---- seats ending ------------------------------------------------------------------------

/// How a seat came to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// The collaborator clicked Leave.
    Left,
    /// Their console did not come back in time.
    Gone,
    /// The lead removed them.
    Removed,
}

/// Ends one seat: the socket is closed, the customer drops the peer, the lead's list and
/// the log follow. False if the seat had already ended.
async fn stand_up(
    state: &AppState,
    session_id: &str,
    invitation_id: &str,
    departure: Departure,
) -> anyhow::Result<bool> {
    let ended = (departure == Departure::Removed).then(|| ServerToCollaborator::Ended {
        reason: None,
        message: "The lead technician removed you from the session.".into(),
    });
    let stood = state.seats.stand_up(session_id, invitation_id, ended);
    let written = invitations::end(&state.db, invitation_id, now_ms()).await?;
    let Some((seat, peer)) = stood else {
        return Ok(written);
    };
    if let Some(peer) = peer {
        state
            .hub
            .send_to_customer(session_id, ServerToCustomer::CollaboratorLeft { peer });
    }
    let event = match departure {
        Departure::Removed => Event::CollaboratorRemoved,
        Departure::Left | Departure::Gone => Event::CollaboratorLeft,
    };
    session_log::record(&state.db, session_id, event, Some(&seat.name)).await;
    if let Some(row) = store::sessions::get(&state.db, session_id).await? {
        announce(state, session_id, row.technician_id);
    }
    tracing::info!(session = %session_id, ?departure, "collaborator left the session");
    Ok(true)
}

/// The collaborator clicked Leave.
pub async fn leave(state: &AppState, seat: &InvitationRow) -> anyhow::Result<()> {
    stand_up(state, &seat.session_id, &seat.id, Departure::Left).await?;
    Ok(())
}

/// The lead removes a collaborator (by the peer the lead's list shows).
pub async fn remove(
    state: &AppState,
    lead: i64,
    session_id: &str,
    peer: &str,
) -> Result<(), CollabError> {
    sessions::owned(state, lead, session_id).await?;
    let Some(seat) = state.seats.seat_of_peer(session_id, peer) else {
        return Err(no_such_collaborator());
    };
    stand_up(state, session_id, &seat.invitation_id, Departure::Removed).await?;
    Ok(())
}

fn no_such_collaborator() -> CollabError {
    CollabError::NotFound(
        "no_such_collaborator",
        "This technician is not in the session (any more).".into(),
    )
}

/// The lead changes what a collaborator may do. The collaborator is told; a change of
/// `talk` is a new `collaborator_joined` for the same peer, which replaces the customer's
/// connection with or without the collaborator's voice.
pub async fn set_permissions(
    state: &AppState,
    lead: i64,
    session_id: &str,
    peer: &str,
    permissions: CollaboratorPermissions,
) -> Result<(), CollabError> {
    let row = sessions::owned(state, lead, session_id).await?;
    let Some(before) = state.seats.set_permissions(session_id, peer, permissions) else {
        return Err(no_such_collaborator());
    };
    invitations::set_permissions(&state.db, &before.invitation_id, flags(permissions)).await?;
    state.seats.send_to_peer(
        session_id,
        peer,
        ServerToCollaborator::Permissions { permissions },
    );
    if before.permissions.talk != permissions.talk
        && row.status_at(now_ms()).0 == SessionStatus::Active
    {
        let ice = ice::for_session(state, row.technician_id, session_id).await?;
        state.hub.send_to_customer(
            session_id,
            ServerToCustomer::CollaboratorJoined {
                peer: peer.to_owned(),
                technician_name: before.name.clone(),
                talk: permissions.talk,
                ice,
            },
        );
    }
    let detail = format!("{}: {}", before.name, describe(permissions));
    session_log::record(
        &state.db,
        session_id,
        Event::CollaboratorPermissions,
        Some(&detail),
    )
    .await;
    announce(state, session_id, row.technician_id);
    Ok(())
}

/// The session ended (`reason`) or moved to another technician (`transferred_to`): every
/// collaborator is told and closed, every invitation and seat ends.
pub async fn session_over(
    state: &AppState,
    session_id: &str,
    reason: Option<EndReason>,
    transferred_to: Option<&str>,
) {
    let message = match (reason, transferred_to) {
        (Some(reason), _) => reason.describe().to_owned(),
        (None, Some(name)) => {
            format!("The session was transferred to {name}; the collaboration has ended.")
        }
        (None, None) => "The collaboration has ended.".to_owned(),
    };
    let cleared = state
        .seats
        .clear(session_id, &ServerToCollaborator::Ended { reason, message });
    if let Err(error) = invitations::end_all(&state.db, session_id, now_ms()).await {
        tracing::error!(session = %session_id, error = format!("{error:#}"), "ending the session's invitations failed");
    }
    for (seat, peer) in cleared {
        if let Some(peer) = peer
            && reason.is_none()
        {
            // A transferred session goes on: the customer drops the collaborators' links.
            state
                .hub
                .send_to_customer(session_id, ServerToCustomer::CollaboratorLeft { peer });
        }
        session_log::record(
            &state.db,
            session_id,
            Event::CollaboratorLeft,
            Some(&seat.name),
        )
        .await;
    }
}

// ---- the lead's view ---------------------------------------------------------------------

/// The lead's consoles get the collaborator list and a fresh session list ("Collaborating").
pub fn announce(state: &AppState, session_id: &str, lead: i64) {
    state.hub.send_to_technician(
        lead,
        ServerToTechnician::Collaborators {
            session_id: session_id.to_owned(),
            collaborators: state.seats.summaries(session_id),
        },
    );
    state.hub.sessions_changed(lead);
}

/// The technician's session list with each session's connected collaborators counted.
pub async fn list_for_technician(
    state: &AppState,
    technician_id: i64,
) -> anyhow::Result<Vec<SessionSummary>> {
    let mut list = store::sessions::list_for_technician(&state.db, technician_id, now_ms()).await?;
    for summary in &mut list {
        summary.collaborators = state.seats.connected(&summary.id);
    }
    Ok(list)
}

/// The collaborator lists a console needs when it connects: one per session that has any.
pub fn lists_of(state: &AppState, sessions: &[SessionSummary]) -> Vec<ServerToTechnician> {
    sessions
        .iter()
        .filter(|s| s.collaborators > 0)
        .map(|s| ServerToTechnician::Collaborators {
            session_id: s.id.clone(),
            collaborators: state.seats.summaries(&s.id),
        })
        .collect()
}
