//! The engine's errors for customer actions.

use lens_core::join::JoinInputError;
use lens_core::session::NotNow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    JoinInput(#[from] JoinInputError),
    #[error(transparent)]
    NotNow(#[from] NotNow),
}
