//! The addresses a customer can be given for a PIN (seeds 002 and 003): the mobile link with
//! the PIN as the path, the desktop-style link with it as `?code=`, and the page where a
//! PIN is typed by hand. The console and the hand-off API both hand out these.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::state::AppState;

/// Path of the manual PIN entry page.
pub const MANUAL_ENTRY_PATH: &str = "/join";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PinLinks {
    /// `https://<server>/<pin>`: opens the app (or the store) on a phone.
    #[schema(example = "https://support.example.com/123456")]
    pub mobile: String,
    /// `https://<server>/?code=<pin>`: the same page, in the form desktop links take.
    #[schema(example = "https://support.example.com/?code=123456")]
    pub desktop: String,
    /// Where a customer can type the PIN by hand.
    #[schema(example = "https://support.example.com/join")]
    pub manual_entry: String,
}

impl PinLinks {
    pub fn for_pin(state: &AppState, pin: &str) -> PinLinks {
        let base = state.public_base();
        PinLinks {
            mobile: format!("{base}/{pin}"),
            desktop: format!("{base}/?code={pin}"),
            manual_entry: format!("{base}{MANUAL_ENTRY_PATH}"),
        }
    }
}
