//! What the customer (and, through the server, the technician) can do to the camera while a
//! session runs: pause and resume video, switch camera, torch.
//!
//! Pushed sources belong to the shell, so camera and torch become [`ShellRequest`]s the app
//! carries out. The desktop's synthetic picture has neither a second camera nor a torch:
//! those calls say so with [`ControlError::Unsupported`] rather than pretend.
//!
//! Whether the technician's pause or resume is obeyed is core's decision (the customer's
//! own pause is never lifted from the console); the engine only carries decisions out.

use lens_core::app::CameraAbilities;
use lens_core::session::Input;
use lens_core::signal::CameraControl;

use crate::config::EngineConfig;
use crate::engine::Engine;
use crate::media::{MediaHandles, ShellRequest, VideoSourceConfig};

/// Why a camera control could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// This source has no such control (the message says which and why).
    #[error("{0}")]
    Unsupported(String),
}

impl Engine {
    /// Where the shell pushes frames, PCM or H.264, and where it subscribes to the engine's
    /// camera requests. The same handles for the whole session.
    pub fn media_handles(&self) -> &MediaHandles {
        &self.config.media.handles
    }

    /// The customer pauses (`true`) or resumes the video; the session and the audio go on.
    /// The customer may always resume, also a pause the technician made. Returns whether
    /// this changes anything. The driver carries it out (with core's decision, in order
    /// with the technician's), so `video_paused` may show it a moment later.
    pub fn set_video_paused(&self, paused: bool) -> bool {
        let changed = self.video_paused() != paused;
        // Core decides whether the technician hears of it now (media running) or with the
        // next offer, and remembers that the customer made this pause.
        let _ = self.act(Input::VideoPaused { paused });
        changed
    }

    pub fn video_paused(&self) -> bool {
        self.media_handles().video_paused()
    }

    /// Asks the shell to switch between front and back camera.
    pub fn switch_camera(&self) -> Result<(), ControlError> {
        camera_control(&self.config, CameraControl::SwitchCamera)
    }

    /// Asks the shell to turn the torch on or off.
    pub fn set_torch(&self, on: bool) -> Result<(), ControlError> {
        camera_control(&self.config, torch(on))
    }
}

/// The torch control that turns it `on` or off.
pub(crate) fn torch(on: bool) -> CameraControl {
    if on {
        CameraControl::TorchOn
    } else {
        CameraControl::TorchOff
    }
}

/// Switch camera or torch, for the customer's app or at the technician's request. Pause and
/// resume are not asked of the camera here: they go through core.
pub(crate) fn camera_control(
    config: &EngineConfig,
    control: CameraControl,
) -> Result<(), ControlError> {
    let (what, request) = match control {
        CameraControl::SwitchCamera => ("Switching camera", ShellRequest::SwitchCamera),
        CameraControl::TorchOn => ("The torch", ShellRequest::Torch { on: true }),
        CameraControl::TorchOff => ("The torch", ShellRequest::Torch { on: false }),
        CameraControl::PauseVideo | CameraControl::ResumeVideo => {
            return Err(ControlError::Unsupported(
                "pause and resume are decided by the session".into(),
            ));
        }
    };
    shell_camera(config, what)?;
    config.media.handles.requests.send(request);
    Ok(())
}

/// Switch camera or torch as the app model knows the camera: the shell's camera refuses in
/// core's words what the shell said it lacks (a torch asked of a front camera is refused,
/// not sent to a camera that ignores it); the engine's own cameras refuse in theirs.
pub(crate) fn app_camera_control(
    config: &EngineConfig,
    camera: CameraAbilities,
    control: CameraControl,
) -> Result<(), ControlError> {
    if config.media.video.is_shells()
        && let Some(refusal) = camera.refusal(control)
    {
        return Err(ControlError::Unsupported(refusal.to_owned()));
    }
    camera_control(config, control)
}

fn shell_camera(config: &EngineConfig, what: &str) -> Result<(), ControlError> {
    match config.media.video {
        VideoSourceConfig::Pushed { .. } | VideoSourceConfig::PushedH264 { .. } => Ok(()),
        VideoSourceConfig::Synthetic { .. } => Err(ControlError::Unsupported(format!(
            "{what} is not supported by this camera (the synthetic test picture)"
        ))),
        // nokhwa has no torch control, and a desktop has no front and back camera: the
        // customer picks the camera with `--camera` when joining.
        VideoSourceConfig::Camera { .. } => Err(ControlError::Unsupported(format!(
            "{what} is not supported by a desktop camera"
        ))),
    }
}
