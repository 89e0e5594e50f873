//! What the customer (and, through the server, the technician) can do to the camera while a
//! session runs: pause and resume video, switch camera, torch.
//!
//! Pushed sources belong to the shell, so camera and torch become [`ShellRequest`]s the app
//! carries out. The desktop's synthetic picture has neither a second camera nor a torch:
//! those calls say so with [`ControlError::Unsupported`] rather than pretend.

use crate::driver::Engine;
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
        &self.inner.config.media.handles
    }

    /// Pauses (`true`) or resumes the video; the session and the audio go on. Returns whether
    /// anything changed.
    pub fn set_video_paused(&self, paused: bool) -> bool {
        let changed = self.media_handles().set_video_paused(paused);
        if changed {
            // Core decides whether the technician hears of it now (media running) or with the
            // next offer.
            self.notify(lens_core::session::Input::VideoPaused { paused });
        }
        changed
    }

    pub fn video_paused(&self) -> bool {
        self.media_handles().video_paused()
    }

    /// Asks the shell to switch between front and back camera.
    pub fn switch_camera(&self) -> Result<(), ControlError> {
        self.shell_camera("switching camera")?;
        self.media_handles().requests.send(ShellRequest::SwitchCamera);
        Ok(())
    }

    /// Asks the shell to turn the torch on or off.
    pub fn set_torch(&self, on: bool) -> Result<(), ControlError> {
        self.shell_camera("the torch")?;
        self.media_handles().requests.send(ShellRequest::Torch { on });
        Ok(())
    }

    fn shell_camera(&self, what: &str) -> Result<(), ControlError> {
        match self.inner.config.media.video {
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
}
