//! The one error Kotlin and Swift see (the two layers of mozilla/application-services):
//! core's and the engine's precise errors stay on the Rust side, and this edge keeps only the
//! distinctions a UI acts on. Conversions happen here and nowhere else.

use lens_core::join::{JoinConfigError, JoinInputError};
use lens_core::session::NotNow;
use lens_engine::EngineError;

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
