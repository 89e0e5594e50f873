//! lens-engine: the I/O driver of the Lens customer app. It runs lens-core's session state
//! machine against real sockets, WebRTC and media devices. See DEVELOPERS.md.

// The media types the apps see as they are derive UniFFI's traits behind this feature;
// deriving needs the crate's own scaffolding.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod config;
mod controls;
mod driver;
mod engine;
pub mod error;
mod listeners;
pub mod media;
pub mod network_watch;
pub mod runtime;
mod server_api;
mod signalling;

pub use config::EngineConfig;
pub use controls::ControlError;
pub use engine::Engine;
pub use error::EngineError;
pub use listeners::AppUpdate;
