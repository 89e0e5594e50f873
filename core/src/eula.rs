//! Whether the customer has accepted the licence agreement the server sent.
//!
//! The server sends the current [`Eula`] with every join; the app remembers which version
//! was accepted so that the customer is asked once per version, not once per session.
//! Persisting is the host's job ([`EulaStore`]); deciding is done here, so every platform
//! treats a missing, unreadable or outdated record the same way.

use serde::{Deserialize, Serialize};

use crate::signal::Eula;

/// What is persisted when the customer accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EulaRecord {
    /// The [`Eula::version`] that was accepted.
    pub version: String,
    /// When, as the host's clock said; kept for support questions, never for decisions.
    pub accepted_at_unix_ms: i64,
}

impl EulaRecord {
    /// The record of accepting `eula` at `now_unix_ms` (core reads no clock: the host
    /// passes the time in).
    pub fn accepting(eula: &Eula, now_unix_ms: i64) -> EulaRecord {
        EulaRecord {
            version: eula.version.clone(),
            accepted_at_unix_ms: now_unix_ms,
        }
    }
}

/// Why the host could not read or write its stored record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EulaStoreError {
    #[error("the licence acceptance could not be stored or read: {reason}")]
    Storage { reason: String },
}

/// Where the host keeps the one acceptance record (a file on desktop, preferences on
/// Android, `UserDefaults` on iOS).
///
/// The host stores an opaque string rather than an [`EulaRecord`]: the format stays
/// core's business, so a field added later needs no change in Kotlin or Swift, and the
/// trait stays a plain object-safe interface of owned types that UniFFI can export as a
/// foreign trait.
pub trait EulaStore: Send + Sync {
    /// The string last given to [`EulaStore::save`], or `None` if nothing was saved.
    fn load(&self) -> Result<Option<String>, EulaStoreError>;
    /// Replaces the stored string. Should be atomic: a torn write reads as garbage,
    /// which merely asks the customer again.
    fn save(&self, data: String) -> Result<(), EulaStoreError>;
}

/// The stored acceptance, if there is a readable one.
///
/// A store error or a record that does not parse counts as "never accepted": asking the
/// customer once more is harmless, while treating garbage as consent is not.
pub fn stored_acceptance(store: &dyn EulaStore) -> Option<EulaRecord> {
    let data = store.load().ok()??;
    serde_json::from_str(&data).ok()
}

/// Persists `record`, replacing any earlier acceptance.
pub fn save_acceptance(store: &dyn EulaStore, record: &EulaRecord) -> Result<(), EulaStoreError> {
    let data = serde_json::to_string(record).expect("an EulaRecord always serialises");
    store.save(data)
}

/// Whether `current` needs no new acceptance. Any other version, older or newer, asks
/// again: versions are opaque ids, not ordered, and consent was given to one text only.
pub fn is_accepted(stored: Option<&EulaRecord>, current: &Eula) -> bool {
    stored.is_some_and(|record| record.version == current.version)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct MemoryStore(Mutex<Option<String>>);

    impl MemoryStore {
        fn holding(data: &str) -> MemoryStore {
            MemoryStore(Mutex::new(Some(data.to_owned())))
        }
    }

    impl EulaStore for MemoryStore {
        fn load(&self) -> Result<Option<String>, EulaStoreError> {
            Ok(self.0.lock().unwrap().clone())
        }
        fn save(&self, data: String) -> Result<(), EulaStoreError> {
            *self.0.lock().unwrap() = Some(data);
            Ok(())
        }
    }

    struct BrokenStore;

    impl EulaStore for BrokenStore {
        fn load(&self) -> Result<Option<String>, EulaStoreError> {
            Err(EulaStoreError::Storage {
                reason: "disk on fire".into(),
            })
        }
        fn save(&self, _: String) -> Result<(), EulaStoreError> {
            Err(EulaStoreError::Storage {
                reason: "disk on fire".into(),
            })
        }
    }

    fn eula(version: &str) -> Eula {
        Eula {
            version: version.into(),
            text: "Be nice.".into(),
        }
    }

    #[test]
    fn nothing_stored_is_not_accepted() {
        let store = MemoryStore::default();
        assert_eq!(stored_acceptance(&store), None);
        assert!(!is_accepted(
            stored_acceptance(&store).as_ref(),
            &eula("2024-01")
        ));
    }

    #[test]
    fn accepting_once_covers_the_same_version() {
        let store = MemoryStore::default();
        let record = EulaRecord::accepting(&eula("2024-01"), 1_700_000_000_000);
        save_acceptance(&store, &record).unwrap();
        let stored = stored_acceptance(&store);
        assert_eq!(stored.as_ref(), Some(&record));
        assert!(is_accepted(stored.as_ref(), &eula("2024-01")));
    }

    #[test]
    fn a_new_version_asks_again() {
        let stored = EulaRecord {
            version: "2024-01".into(),
            accepted_at_unix_ms: 0,
        };
        assert!(!is_accepted(Some(&stored), &eula("2025-06")));
        // Not ordered: going back to an older text is a different text too.
        let stored = EulaRecord {
            version: "2025-06".into(),
            accepted_at_unix_ms: 0,
        };
        assert!(!is_accepted(Some(&stored), &eula("2024-01")));
    }

    #[test]
    fn garbage_is_not_consent() {
        for garbage in [
            "",
            "yes",
            "{",
            "null",
            "{\"version\":1}",
            "{\"accepted_at_unix_ms\":5}",
            "\u{0}\u{1}",
        ] {
            assert_eq!(
                stored_acceptance(&MemoryStore::holding(garbage)),
                None,
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn a_store_error_is_not_consent() {
        assert_eq!(stored_acceptance(&BrokenStore), None);
        let record = EulaRecord::accepting(&eula("2024-01"), 0);
        assert!(save_acceptance(&BrokenStore, &record).is_err());
    }

    #[test]
    fn records_from_a_newer_app_still_read() {
        // A later version may add fields; downgrading the app must not lose consent.
        let store =
            MemoryStore::holding(r#"{"version":"2024-01","accepted_at_unix_ms":7,"device":"x"}"#);
        assert_eq!(
            stored_acceptance(&store),
            Some(EulaRecord {
                version: "2024-01".into(),
                accepted_at_unix_ms: 7
            })
        );
    }

    #[test]
    fn the_persisted_format_is_stable() {
        let record = EulaRecord {
            version: "2024-01".into(),
            accepted_at_unix_ms: 42,
        };
        let store = MemoryStore::default();
        save_acceptance(&store, &record).unwrap();
        assert_eq!(
            store.load().unwrap().unwrap(),
            r#"{"version":"2024-01","accepted_at_unix_ms":42}"#
        );
    }
}
