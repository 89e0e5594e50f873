//! What goes into and comes out of the customer's session state machine.

use std::time::{Duration, Instant};

use crate::eula::EulaRecord;
use crate::pin::Pin;
use crate::secret::CustomerToken;
pub use crate::signal::PausedBy;
use crate::signal::{
    CameraControl, CustomerMessage, Device, DeviceProblem, EndReason, Eula, IceCandidate,
    IceConfig, JoinRefusal, JoinResponse, ServerToCustomer,
};

/// Time limits of a session. All are measured against the `now` handed to
/// [`super::CustomerSession::handle_input`], never against a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// How long the server may take to answer a PIN look-up.
    pub resolve_timeout: Duration,
    /// How long a customer waits for the technician to click Start.
    pub waiting_timeout: Duration,
    /// From Start until the media connection is up.
    pub connect_timeout: Duration,
    /// How long the app keeps trying to get its signalling connection back.
    pub reconnect_window: Duration,
    /// First delay before a reconnect; doubled per attempt up to `reconnect_max_delay`.
    pub reconnect_initial_delay: Duration,
    pub reconnect_max_delay: Duration,
    /// How long a live session keeps restarting ICE after its media path broke (ICE
    /// disconnected or failed, the network changed) before it ends.
    pub media_reconnect_grace: Duration,
    /// Time between ICE restarts while the media path stays broken.
    pub ice_restart_interval: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            resolve_timeout: Duration::from_secs(15),
            waiting_timeout: Duration::from_secs(30 * 60),
            connect_timeout: Duration::from_secs(30),
            reconnect_window: Duration::from_secs(60),
            reconnect_initial_delay: Duration::from_millis(500),
            reconnect_max_delay: Duration::from_secs(8),
            media_reconnect_grace: Duration::from_secs(30),
            ice_restart_interval: Duration::from_secs(5),
        }
    }
}

/// Where the customer is, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// No PIN or link yet.
    Idle,
    /// The server is looking the PIN up.
    ResolvingPin,
    /// The session is known; the app must ask for camera and microphone.
    NeedsPermissions,
    /// The customer must accept (or decline) this licence agreement.
    NeedsEula {
        eula: Eula,
        technician_name: String,
    },
    /// Accepted; the technician sees the session as Waiting and may click Start.
    WaitingForTechnician {
        technician_name: String,
    },
    /// The technician started; the media connection is being set up.
    Connecting,
    /// Video and audio flow.
    Live,
    Ended {
        reason: Ended,
    },
}

impl SessionState {
    /// A short stable name, for logs and for errors about actions that do not fit.
    pub fn name(&self) -> &'static str {
        match self {
            SessionState::Idle => "idle",
            SessionState::ResolvingPin => "resolving_pin",
            SessionState::NeedsPermissions => "needs_permissions",
            SessionState::NeedsEula { .. } => "needs_eula",
            SessionState::WaitingForTechnician { .. } => "waiting_for_technician",
            SessionState::Connecting => "connecting",
            SessionState::Live => "live",
            SessionState::Ended { .. } => "ended",
        }
    }
}

/// Why the customer's session is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The session ran and ended (or was declined) for this reason.
    Session(EndReason),
    /// The server refused the PIN.
    JoinRefused(JoinRefusal),
    /// The server could not be reached, or did not answer in time.
    ServerUnreachable,
    /// Neither camera nor microphone may be used: there is nothing to share.
    PermissionsDenied,
}

impl Ended {
    /// The sentence the customer reads.
    pub fn describe(self) -> &'static str {
        match self {
            Ended::Session(reason) => reason.describe(),
            Ended::JoinRefused(JoinRefusal::PinNotFound) => {
                "This PIN is not valid. Check the digits or ask the technician for a new PIN."
            }
            Ended::JoinRefused(JoinRefusal::PinExpired) => {
                "This PIN has expired. Ask the technician for a new PIN."
            }
            Ended::JoinRefused(JoinRefusal::PinAlreadyUsed) => {
                "This PIN has already been used. Ask the technician for a new PIN."
            }
            Ended::JoinRefused(JoinRefusal::RateLimited) => {
                "Too many wrong PINs. Wait a few minutes and try again."
            }
            Ended::JoinRefused(JoinRefusal::Busy) => {
                "The server is busy. Try again in a few seconds."
            }
            Ended::ServerUnreachable => "The Lens server could not be reached. Check the network.",
            Ended::PermissionsDenied => {
                "Lens needs the camera or the microphone to share the problem with the technician."
            }
        }
    }
}

/// Why a PIN look-up failed, as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveFailure {
    Refused(JoinRefusal),
    /// Network error or an answer that is not the protocol's.
    Unreachable(String),
}

/// Everything that can happen to a session: the customer's actions, the server's and the
/// media connection's answers, and the passing of time.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The customer entered a PIN or opened a link (already parsed by
    /// [`crate::join::parse_join_input`]). Allowed when idle or after a session ended.
    Join(Pin),
    /// The platform's answer to the camera and microphone permission requests.
    PermissionsAnswered {
        camera: bool,
        microphone: bool,
    },
    /// The customer accepted the EULA shown in [`SessionState::NeedsEula`]; wall-clock time
    /// of acceptance, for the stored record.
    AcceptEula {
        at_unix_ms: i64,
    },
    DeclineEula,
    /// The customer ends the session.
    Leave,
    /// The customer paused or resumed the video in the app: the technician is told while
    /// media runs. The customer may always resume, also a pause the technician made.
    VideoPaused {
        paused: bool,
    },

    Resolved(JoinResponse),
    ResolveFailed(ResolveFailure),
    SignallingConnected,
    SignallingLost,
    FromServer(ServerToCustomer),

    /// The media driver's offer, handed out at once (its candidates trickle as
    /// [`Input::LocalCandidate`]); after [`Command::RestartIce`], the restart's offer.
    LocalOffer(String),
    LocalCandidate(IceCandidate),
    PeerConnected,
    /// ICE lost the path (disconnected): a live session restarts ICE.
    PeerInterrupted,
    /// The media connection failed or could not be set up. A live session restarts ICE;
    /// one still connecting ends.
    PeerFailed,
    /// The device's network changed (Wi-Fi to mobile, a new address): a live session
    /// restarts ICE at once rather than waiting for the old path to time out.
    NetworkChanged,
    /// A STUN or TURN server failed for the media driver (wrong or expired credentials,
    /// unreachable): the technician is told and the server logs it.
    IceServerError {
        url: String,
        code: u16,
        text: String,
    },
    /// The media driver's numbers for the last second: shown to the customer and sent to
    /// the technician while the session is live.
    MediaStats(crate::link_stats::LinkStats),
    /// A camera or microphone failed to open or stopped; media goes on without it.
    DeviceFailed {
        device: Device,
        problem: DeviceProblem,
        detail: String,
    },
    /// How the engine carried out [`Command::CameraControl`]: `Err` holds the sentence for
    /// the technician (the camera has no torch, the desktop has one camera).
    CameraControlResult {
        control: CameraControl,
        result: Result<(), String>,
    },

    /// The offer of a collaborator's connection (after [`Command::StartCollaboratorMedia`]).
    CollaboratorOffer {
        peer: String,
        sdp: String,
    },
    CollaboratorCandidate {
        peer: String,
        candidate: IceCandidate,
    },
    /// A collaborator's connection is up (again).
    CollaboratorConnected {
        peer: String,
    },
    /// A collaborator's connection lost its path (ICE disconnected): unless it is back
    /// within `ice_restart_interval`, the phone replaces it.
    CollaboratorInterrupted {
        peer: String,
    },
    /// A collaborator's connection failed or closed: it is dropped (the lead's goes on) and
    /// the phone offers them a new one a little later.
    CollaboratorMediaFailed {
        peer: String,
    },

    /// A deadline announced by [`Output::Timeout`] passed.
    Timeout,
}

/// What the engine must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Ask the server who has this PIN (`POST /api/customer/join`).
    ResolvePin(Pin),
    /// Open (or re-open) the signalling WebSocket with this customer token.
    ConnectSignalling {
        token: CustomerToken,
    },
    Send(CustomerMessage),
    /// Persist the customer's acceptance through the host's EULA store.
    SaveEula(EulaRecord),
    /// Create the peer connection, start capture and encoding of the granted tracks, and
    /// answer with [`Input::LocalOffer`]. The only command that makes media leave the device:
    /// it is never output before the EULA is accepted and the technician started.
    StartMedia {
        camera: bool,
        microphone: bool,
        /// This call's STUN/TURN servers and policy, from the technician's Start.
        ice: IceConfig,
    },
    /// Restart ICE on the running peer connection (new credentials, sockets re-bound to the
    /// interfaces there are now) and answer with [`Input::LocalOffer`].
    RestartIce,
    /// The media path broke or the network changed: the signalling socket may have died with
    /// it (a TCP connection does not outlive the address it was made from, and says nothing
    /// until its own timeouts, minutes later). Check that the server still answers within a
    /// few seconds, and report [`Input::SignallingLost`] if not.
    CheckSignalling,
    ApplyAnswer(String),
    AddRemoteCandidate(IceCandidate),
    /// Stop capture and close the peer connection.
    StopMedia,
    /// Pause or resume the video (the session and the audio go on). Also output for the
    /// customer's own pause, so that the engine applies every decision in order.
    SetVideoPaused {
        paused: bool,
    },
    /// Carry out the technician's switch-camera or torch request and answer with
    /// [`Input::CameraControlResult`]. Pause and resume come as [`Command::SetVideoPaused`].
    CameraControl(CameraControl),
    /// Add a peer connection for a collaborating technician to the running media: the same
    /// encoded camera (no second capture, no second video encoder), the microphone with the
    /// other technicians' voices mixed in (their own audio encoding), and their voice mixed
    /// into the playback and the others' streams only if `talk`. Answer with [`Input::CollaboratorOffer`]. Only
    /// output while the lead's media runs, after [`Command::StartMedia`].
    StartCollaboratorMedia {
        peer: String,
        talk: bool,
        ice: IceConfig,
    },
    /// Close a collaborator's connection; the others go on. [`Command::StopMedia`] closes
    /// every connection, the collaborators' included.
    StopCollaboratorMedia {
        peer: String,
    },
    ApplyCollaboratorAnswer {
        peer: String,
        sdp: String,
    },
    AddCollaboratorCandidate {
        peer: String,
        candidate: IceCandidate,
    },
    CloseSignalling,
}

/// What the app should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    StateChanged(SessionState),
    /// The signalling connection dropped or the media path broke; the app retries (attempt
    /// counts from 1). One story for the customer: both kinds of loss show as this.
    Reconnecting {
        attempt: u32,
    },
    /// Both the signalling connection and the media path are back.
    Reconnected,
    /// Once a second while media flows (see [`crate::link_stats`]).
    LinkStats(crate::link_stats::LinkStats),
    /// A camera or microphone failed; the session goes on without it and the technician is
    /// told.
    DeviceProblem {
        device: Device,
        problem: DeviceProblem,
        detail: String,
    },
    /// The technician paused or resumed the video or asked for the other camera or the
    /// torch (`control.describe()` is the sentence to show). `refused` holds why the app did
    /// not do it; the technician was told the same.
    TechnicianControl {
        control: CameraControl,
        refused: Option<String>,
    },
    /// The technician handed the session to `technician_name`, whose Start continues it.
    Transferred {
        technician_name: String,
    },
    /// How many technicians receive the camera now (the lead and the collaborators with a
    /// connection; 0 once media stops). The app says so: the customer should know who sees.
    Watching {
        technicians: u32,
    },
}

/// One item drained from [`super::CustomerSession::poll_output`].
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Command(Command),
    Event(SessionEvent),
    /// Nothing more to do: call back with [`Input::Timeout`] at this instant, or earlier
    /// with any other input.
    Timeout(Instant),
}

/// A customer action that does not fit the current state (the UI offered something it
/// should not have). Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} is not possible while the session is {state}")]
pub struct NotNow {
    pub action: &'static str,
    pub state: &'static str,
}
