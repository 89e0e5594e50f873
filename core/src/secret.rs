//! Bearer secrets that must never reach a log. Their `Debug` says what they are and hides
//! what they hold, so `debug!(?command)` or a `{:?}` of a server answer cannot leak them;
//! PINs do the same in [`crate::pin`].

use std::fmt;

use crate::signal::{JoinRequest, JoinResponse};

const HIDDEN: &str = "<redacted>";

/// The random token that authenticates the customer's WebSocket for one session
/// ([`JoinResponse::customer_token`]).
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerToken(String);

impl CustomerToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for CustomerToken {
    fn from(token: String) -> Self {
        CustomerToken(token)
    }
}

impl From<&str> for CustomerToken {
    fn from(token: &str) -> Self {
        CustomerToken(token.to_owned())
    }
}

impl fmt::Debug for CustomerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerToken({HIDDEN})")
    }
}

// By hand rather than derived: the request carries the PIN, the answer the token.
impl fmt::Debug for JoinRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinRequest").field("pin", &HIDDEN).finish()
    }
}

impl fmt::Debug for JoinResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinResponse")
            .field("session_id", &self.session_id)
            .field("customer_token", &HIDDEN)
            .field("technician_name", &self.technician_name)
            .field("customer_name", &self.customer_name)
            .field("eula", &self.eula)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Eula;

    #[test]
    fn debug_never_shows_the_token_or_the_pin() {
        let response = JoinResponse {
            session_id: "s-1".into(),
            customer_token: "tok-secret-42".into(),
            technician_name: "Tess".into(),
            customer_name: "Nina".into(),
            eula: Eula {
                version: "v1".into(),
                text: "You agree.".into(),
            },
        };
        let token = CustomerToken::from(response.customer_token.clone());
        let request = JoinRequest {
            pin: "483920".into(),
        };
        for printed in [format!("{response:?}"), format!("{token:?}")] {
            assert!(!printed.contains("tok-secret-42"), "{printed}");
            assert!(printed.contains(HIDDEN), "{printed}");
        }
        assert!(!format!("{request:?}").contains("483920"));
        assert!(format!("{response:?}").contains("Tess"));
    }
}
