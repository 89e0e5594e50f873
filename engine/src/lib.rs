//! lens-engine: the I/O driver of the Lens customer app. It runs lens-core's session state
//! machine against real sockets, WebRTC and media devices. See DEVELOPERS.md.

pub mod config;
mod controls;
mod driver;
pub mod error;
mod listeners;
pub mod media;
mod server_api;
mod signalling;

pub use config::EngineConfig;
pub use controls::ControlError;
pub use driver::Engine;
pub use error::EngineError;
