//! The errors Kotlin and Swift see (the two layers of mozilla/application-services): core's
//! and the engine's precise errors stay on the Rust side, and this edge keeps only the
//! distinctions a UI (`ApiError`) or the shell's camera code (`FrameError`) acts on. Every
//! conversion happens here and nowhere else.

use lens_core::join::{JoinConfigError, JoinInputError};
use lens_core::session::NotNow;
use lens_engine::media::pushed::PushError;
use lens_engine::{ControlError, EngineError};

/// Why a call failed. Kotlin sees `ApiException.InvalidPin` and so on, with the text in
/// `message`; Swift sees `ApiError.InvalidPin(message:)`.
///
/// Flat on purpose: each variant crosses as its message, which is all a UI shows.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ApiError {
    /// What the customer typed or tapped is not a PIN or a session link this app trusts.
    /// The message is written for the customer: show it as it is.
    #[error("{message}")]
    InvalidPin { message: String },
    /// The action does not fit the session's current state (the UI offered something it
    /// should not have). Nothing changed.
    #[error("{message}")]
    NotNow { message: String },
    /// The app's own settings are wrong (server URL, accepted hosts, bind address): a bug in
    /// the shell, not something the customer can fix.
    #[error("{message}")]
    InvalidConfiguration { message: String },
    /// The device cannot do this (no second camera, no torch). Nothing changed.
    #[error("{message}")]
    Unsupported { message: String },
    /// Something that should not happen, such as the engine's threads failing to start.
    #[error("{message}")]
    Internal { message: String },
}

/// Why a pushed frame, PCM block or access unit was refused. Nothing of it was kept; the
/// session goes on. These are bugs in the shell's camera code, not something to show the
/// customer: log them.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum FrameError {
    /// Zero, odd or too large width or height, or a rotation that is not a multiple of 90.
    #[error("{0}")]
    InvalidGeometry(String),
    /// A plane is shorter than its stride and height need, or a stride shorter than a row.
    #[error("{0}")]
    BufferTooSmall(String),
    #[error("{0}")]
    InvalidAudio(String),
    #[error("{0}")]
    InvalidH264(String),
    #[error("{0}")]
    Internal(String),
}

impl From<JoinInputError> for ApiError {
    fn from(e: JoinInputError) -> Self {
        ApiError::InvalidPin {
            message: e.to_string(),
        }
    }
}

impl From<NotNow> for ApiError {
    fn from(e: NotNow) -> Self {
        ApiError::NotNow {
            message: e.to_string(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::JoinInput(e) => e.into(),
            EngineError::NotNow(e) => e.into(),
        }
    }
}

impl From<JoinConfigError> for ApiError {
    fn from(e: JoinConfigError) -> Self {
        ApiError::InvalidConfiguration {
            message: e.to_string(),
        }
    }
}

impl From<PushError> for FrameError {
    fn from(e: PushError) -> Self {
        let message = e.to_string();
        match e {
            PushError::ZeroSize { .. }
            | PushError::OddSize { .. }
            | PushError::TooLarge { .. }
            | PushError::Rotation { .. } => FrameError::InvalidGeometry(message),
            PushError::StrideTooSmall { .. } | PushError::BufferTooSmall { .. } => {
                FrameError::BufferTooSmall(message)
            }
            PushError::Audio(_) => FrameError::InvalidAudio(message),
            PushError::H264(_) => FrameError::InvalidH264(message),
            PushError::Conversion(_) => FrameError::Internal(message),
        }
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        match e {
            ControlError::Unsupported(message) => ApiError::Unsupported { message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_customers_sentence_crosses_unchanged() {
        let error = ApiError::from(EngineError::JoinInput(JoinInputError::WrongLength {
            found: 5,
        }));
        assert!(matches!(&error, ApiError::InvalidPin { .. }));
        assert_eq!(
            error.to_string(),
            JoinInputError::WrongLength { found: 5 }.to_string()
        );
    }
}
