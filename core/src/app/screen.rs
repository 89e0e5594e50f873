//! What the customer's screen shows, as data: the shells draw a [`Screen`] and send back
//! [`super::Intent`]s, and decide nothing themselves. Every word in it is already in the
//! customer's language; every button says whether it can be pressed.

/// A button: its words and whether it can be pressed now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Button {
    pub label: String,
    pub enabled: bool,
}

/// A switch with two positions (microphone muted, video paused, torch): its words say what
/// pressing it does ("Mute", "Unmute"), `on` where it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Toggle {
    pub label: String,
    pub on: bool,
    pub enabled: bool,
}

/// The network quality at a glance: 0 (unusable) to [`Quality::MAX_BARS`] (excellent) bars
/// and its word.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Quality {
    pub bars: u8,
    /// Bars the meter has (the shells draw this many, `bars` of them lit).
    pub max_bars: u8,
    pub label: String,
}

impl Quality {
    /// The link's quality score's scale (`LinkStats::quality`).
    pub const MAX_BARS: u8 = 5;
}

/// The controls of a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LiveControls {
    /// `on` while the microphone is muted.
    pub mute: Toggle,
    /// `on` while the video is paused (by the customer or the technician).
    pub pause_video: Toggle,
    pub switch_camera: Button,
    /// `on` while the torch is lit.
    pub torch: Toggle,
    pub leave: Button,
}

/// What the phone's camera and microphone do while a screen shows: the shells run them as it
/// says ([`Screen::media`]) and work none of it out from the screen themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MediaUse {
    /// The camera runs: the screen shows the preview. Its pictures leave the phone only once
    /// the technician started (the engine drops every frame before).
    pub camera: bool,
    /// The microphone and the speaker run: the technician started and is connecting or
    /// watching.
    pub talking: bool,
}

/// One screen of the customer app.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Screen {
    /// The short tutorial on first start (seeds 000, 001, 003): `step` of `steps`, counted
    /// from 1. `next` reads "Next" and, on the last step, "OK".
    Tutorial {
        step: u32,
        steps: u32,
        /// Where the customer is in the tutorial, in words ("Step 1 of 3"): shown beside the
        /// progress bar, or read out for it.
        progress: String,
        title: String,
        body: String,
        skip: Button,
        next: Button,
    },
    /// Why Lens needs the camera and the microphone, before the system asks: `allow` leads
    /// to the system's prompts ([`super::Effect::RequestPermissions`]).
    Permissions {
        title: String,
        body: String,
        allow: Button,
    },
    /// The camera or the microphone was refused: what that means, the system settings, and
    /// (when only the microphone was refused and the organisation allows it) joining without
    /// the microphone.
    PermissionsRefused {
        title: String,
        body: String,
        open_settings: Button,
        try_again: Button,
        without_microphone: Option<Button>,
    },
    /// The six-digit PIN field. `input` is what the customer typed, `problem` the sentence
    /// for what is wrong with it (shown while typing), `join` is enabled only for a valid
    /// PIN.
    EnterPin {
        title: String,
        organisation: String,
        prompt: String,
        input: String,
        problem: Option<String>,
        join: Button,
    },
    /// The server is looking the PIN up.
    Joining { title: String, body: String },
    /// The licence agreement from the server.
    Licence {
        title: String,
        intro: String,
        text: String,
        accept: Button,
        decline: Button,
    },
    /// The local camera preview (`preview`: nothing leaves the phone) while the technician
    /// has not started yet.
    Waiting {
        title: String,
        body: String,
        preview: bool,
        leave: Button,
    },
    /// The technician started; the video connection is being set up.
    Connecting {
        title: String,
        body: String,
        preview: bool,
        leave: Button,
    },
    /// The technician is watching. `notice` is the latest word about what the technician
    /// did (paused the video, asked for the torch) or what failed on the phone.
    Live {
        title: String,
        preview: bool,
        video_paused_note: Option<String>,
        quality: Option<Quality>,
        notice: Option<String>,
        controls: LiveControls,
    },
    /// The technician put the session on hold: nothing is sent until they resume.
    OnHold {
        title: String,
        body: String,
        preview: bool,
        leave: Button,
    },
    /// The connection to the server dropped; the app is trying again.
    Reconnecting {
        title: String,
        body: String,
        leave: Button,
    },
    /// Over, with the reason in words and the way back to the start.
    Ended {
        title: String,
        reason: String,
        back: Button,
    },
}

impl Screen {
    /// What the camera and the microphone do while this screen shows.
    pub fn media(&self) -> MediaUse {
        match self {
            Screen::Waiting { preview, .. } | Screen::OnHold { preview, .. } => MediaUse {
                camera: *preview,
                talking: false,
            },
            Screen::Connecting { preview, .. } | Screen::Live { preview, .. } => MediaUse {
                camera: *preview,
                talking: true,
            },
            _ => MediaUse {
                camera: false,
                talking: false,
            },
        }
    }

    /// Whether the customer waits for something under way with nothing to do but leave
    /// (joining, connecting, reconnecting): the apps show an activity indicator.
    pub fn under_way(&self) -> bool {
        matches!(
            self,
            Screen::Joining { .. } | Screen::Connecting { .. } | Screen::Reconnecting { .. }
        )
    }

    /// A short stable name for logs and tests.
    pub fn name(&self) -> &'static str {
        match self {
            Screen::Tutorial { .. } => "tutorial",
            Screen::Permissions { .. } => "permissions",
            Screen::PermissionsRefused { .. } => "permissions_refused",
            Screen::EnterPin { .. } => "enter_pin",
            Screen::Joining { .. } => "joining",
            Screen::Licence { .. } => "licence",
            Screen::Waiting { .. } => "waiting",
            Screen::Connecting { .. } => "connecting",
            Screen::Live { .. } => "live",
            Screen::OnHold { .. } => "on_hold",
            Screen::Reconnecting { .. } => "reconnecting",
            Screen::Ended { .. } => "ended",
        }
    }
}
