//! lens-core: the sans-IO heart of the Lens customer app. See DEVELOPERS.md.

// The types the apps see as they are derive UniFFI's traits behind this feature; deriving
// needs the crate's own scaffolding.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod app;
pub mod eula;
pub mod join;
pub mod l10n;
pub mod link_stats;
pub mod pin;
pub mod secret;
pub mod session;
pub mod signal;
