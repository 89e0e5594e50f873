//! Which customer actions fit which state: the one rule behind [`NotNow`]. The machine
//! applies it to every action, and the engine applies it to the state the app was last
//! shown, so that an app's call is answered at once without reaching into the machine.

use super::{Input, NotNow, SessionState};

impl SessionState {
    /// `Err` when `action` is a customer action this state has no place for. Everything
    /// else (the server's and the media connection's inputs, time, the customer's pause,
    /// which is always allowed) fits.
    pub fn admits(&self, action: &Input) -> Result<(), NotNow> {
        use SessionState::*;
        let (fits, action) = match action {
            Input::Join(_) => (matches!(self, Idle | Ended { .. }), "join"),
            Input::PermissionsAnswered { .. } => (
                matches!(self, Idle | ResolvingPin | NeedsPermissions),
                "answering the permission requests",
            ),
            Input::AcceptEula { .. } => (
                matches!(self, NeedsEula { .. }),
                "accepting the licence agreement",
            ),
            Input::DeclineEula => (
                matches!(self, NeedsEula { .. }),
                "declining the licence agreement",
            ),
            Input::Leave => (!matches!(self, Idle | Ended { .. }), "leaving"),
            _ => (true, ""),
        };
        if fits {
            Ok(())
        } else {
            Err(NotNow {
                action,
                state: self.name(),
            })
        }
    }
}
