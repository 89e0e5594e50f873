//! HTTP: the customer redeems a PIN.  POST /api/customer/join

use serde::{Deserialize, Serialize};

use super::Eula;

pub const JOIN_PATH: &str = "/api/customer/join";
/// The customer's WebSocket; the token from [`JoinResponse`] goes in the `token` query
/// parameter.
pub const CUSTOMER_WS_PATH: &str = "/api/customer/ws";
/// The technician console's WebSocket (authenticated by the console's session cookie).
pub const TECHNICIAN_WS_PATH: &str = "/api/technician/ws";

// Debug by hand in crate::secret: it carries the PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub pin: String,
}

// Debug by hand in crate::secret: it carries the customer's token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub session_id: String,
    /// Random bearer token for this session only; authenticates the customer's WebSocket.
    pub customer_token: String,
    pub technician_name: String,
    pub customer_name: String,
    pub eula: Eula,
}

/// Why the server refused a PIN; the `error` field of a refused join's JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum JoinRefusal {
    /// No live session has this PIN.
    PinNotFound,
    /// The PIN existed but ran out; the customer should ask for a new one.
    PinExpired,
    /// A customer already joined with this PIN (PINs are single use).
    PinAlreadyUsed,
    /// Too many wrong PINs from this address; try again later.
    RateLimited,
    /// The server could not look the PIN up now (under a guessing alarm, or another join
    /// from the same address took too long); nothing was charged, and a retry after the
    /// answer's Retry-After usually succeeds.
    Busy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRefused {
    pub error: JoinRefusal,
    pub message: String,
}
