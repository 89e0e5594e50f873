//! lens-ffi: the Lens customer app's engine as Kotlin and Swift see it (UniFFI proc-macros,
//! library mode). It translates and decides nothing: every rule lives in `lens-core`, every
//! socket, thread and codec in `lens-engine` (see DEVELOPERS.md).
//!
//! What the shells get:
//! - [`LensSession`]: one customer session, with the runtime that drives it, so that neither
//!   Kotlin nor Swift needs an async runtime;
//! - [`LensSession::subscribe`] with a [`SessionListener`], returning a [`TaskHandle`]: the
//!   current state first, then every change, until the handle is cancelled or dropped;
//! - [`LensSession::act`], [`LensSession::screen`] and [`LensSession::subscribe_app`] with an
//!   [`AppListener`]: core's app model, whose screens the shells draw (current screen first,
//!   then every change and every effect for the shell);
//! - [`EulaStorage`]: the shell persists the licence acceptance, core decides what it means;
//! - [`parse_join_input`]: what the customer typed or tapped, checked before any session;
//! - [`ApiError`]: the few failures a UI acts on ([`FrameError`] for pushed media).

uniffi::setup_scaffolding!();

mod app;
mod error;
mod eula_storage;
mod join;
mod listener;
mod logging;
mod media_push;
mod options;
mod session;
mod state;
mod task_handle;

pub use app::{AppListener, live_notification};
pub use error::{ApiError, FrameError};
pub use eula_storage::{EulaStorage, StorageError};
pub use join::parse_join_input;
pub use listener::SessionListener;
pub use media_push::{CameraController, PushedStats, VideoFrameInfo};
pub use options::{PermissionGrants, SessionOptions};
pub use session::LensSession;
pub use state::{EndCause, SessionEvent, SessionState};
pub use task_handle::TaskHandle;
