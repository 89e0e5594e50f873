//! What the customer does on a [`super::Screen`], and what the app asks of the shell and the
//! engine in return.

/// A customer's tap or keystroke, or the platform's answer the shell passes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Intent {
    /// The tutorial's Next (OK on its last step).
    TutorialNext,
    TutorialSkip,
    /// Allow on the permissions screen, or Try again after a refusal: the shell is asked to
    /// show the system prompts.
    AllowPermissions,
    /// The system's answers to the camera and microphone prompts (or what the platform
    /// already knows, at start).
    PermissionsAnswered {
        camera: bool,
        microphone: bool,
    },
    /// Open the system settings on a refusal.
    OpenSettings,
    /// Go on with the camera only, when the microphone was refused and that is allowed.
    JoinWithoutMicrophone,
    /// The PIN field's whole text after each keystroke or paste.
    Typed {
        text: String,
    },
    /// The Join button (the typed PIN).
    Join,
    /// A link opened the app (e-mail, SMS, a messaging app, the store's first start).
    OpenedLink {
        url: String,
    },
    /// Accept the licence agreement; the wall-clock time, for the stored record.
    Accept {
        at_unix_ms: i64,
    },
    Decline,
    SetMuted {
        muted: bool,
    },
    SetVideoPaused {
        paused: bool,
    },
    SwitchCamera,
    SetTorch {
        on: bool,
    },
    /// The shell opened a camera (when the preview starts, and after each switch): whether
    /// it has a torch, and whether the phone has another camera to switch to. Until the
    /// first, both are taken to be there.
    CameraOpened {
        torch: bool,
        another_camera: bool,
    },
    Leave,
    /// From the end screen back to the PIN field.
    BackToStart,
}

/// What the shell (or the engine for the shell) must do, besides drawing the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Effect {
    /// Show the system's camera and microphone prompts, then answer with
    /// [`Intent::PermissionsAnswered`].
    RequestPermissions,
    /// Open the app's page in the system settings.
    OpenSystemSettings,
    /// Remember that the tutorial was seen: the next start passes `tutorial_seen`.
    SaveTutorialSeen,
    SetMicrophoneMuted {
        muted: bool,
    },
    SwitchCamera,
    SetTorch {
        on: bool,
    },
}
