//! The shell's storage for the licence acceptance, as a foreign trait: a file on desktop,
//! SharedPreferences on Android, UserDefaults on iOS. The shell stores an opaque string;
//! reading it, and deciding what a missing or broken one means, is core's business.

use std::sync::Arc;

use lens_core::eula::{EulaStore, EulaStoreError};

/// Implemented by the shell. Called from the engine's threads (never a media thread), so an
/// implementation must be thread-safe; it may block briefly.
#[uniffi::export(foreign)]
pub trait EulaStorage: Send + Sync {
    /// The string last given to `save`, or null/nil if none was saved.
    fn load(&self) -> Result<Option<String>, StorageError>;
    /// Replaces the stored string, atomically if the platform allows.
    fn save(&self, data: String) -> Result<(), StorageError>;
}

/// The shell could not read or write its storage. Any other exception the shell throws is
/// turned into this one, so a failing store never takes the app down: on load it means "not
/// accepted yet" and the customer is asked again.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum StorageError {
    #[error("{reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for StorageError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        StorageError::Failed { reason: e.reason }
    }
}

impl From<StorageError> for EulaStoreError {
    fn from(e: StorageError) -> Self {
        EulaStoreError::Storage {
            reason: e.to_string(),
        }
    }
}

/// Core's [`EulaStore`] over the shell's [`EulaStorage`].
pub(crate) struct ForeignEulaStore(pub(crate) Arc<dyn EulaStorage>);

impl EulaStore for ForeignEulaStore {
    fn load(&self) -> Result<Option<String>, EulaStoreError> {
        Ok(self.0.load()?)
    }

    fn save(&self, data: String) -> Result<(), EulaStoreError> {
        Ok(self.0.save(data)?)
    }
}

#[cfg(test)]
mod tests {
    use lens_core::eula::stored_acceptance;

    use super::*;

    struct Broken;

    impl EulaStorage for Broken {
        fn load(&self) -> Result<Option<String>, StorageError> {
            Err(StorageError::Failed {
                reason: "locked".into(),
            })
        }
        fn save(&self, _: String) -> Result<(), StorageError> {
            Err(StorageError::Failed {
                reason: "locked".into(),
            })
        }
    }

    #[test]
    fn a_failing_store_reads_as_not_accepted() {
        assert_eq!(stored_acceptance(&ForeignEulaStore(Arc::new(Broken))), None);
    }
}
