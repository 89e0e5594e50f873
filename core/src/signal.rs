//! The signalling protocol between the customer app, the server and the technician's
//! console. The server, the engine and (by hand, in `server/console/assets/`) the console speak
//! exactly these types, so they live here in core.
//!
//! Every WebSocket text frame is one JSON object: `{"v": 1, "type": "<kind>", ...fields}`.
//! Unknown *fields* are ignored so that a newer peer can add information without breaking an
//! older one; an unknown *type*, a different protocol version, or a frame over
//! [`MAX_MESSAGE_BYTES`] is a typed [`SignalError`], never a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The protocol version this build speaks. Bumped only for incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest signalling frame accepted. An SDP offer with two m-lines is about 3 KiB; 64 KiB
/// leaves room for many candidates while keeping a hostile peer from making us buffer megabytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Why a signalling frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    #[error("signalling message of {size} bytes is over the {max} byte limit")]
    TooLarge { size: usize, max: usize },
    #[error("signalling message is not a JSON object with a \"type\": {0}")]
    Malformed(String),
    #[error(
        "signalling protocol version {0} is not supported (this build speaks {PROTOCOL_VERSION})"
    )]
    UnsupportedVersion(u32),
    #[error("unknown signalling message type {0:?}")]
    UnknownType(String),
    #[error("signalling message {kind:?} has invalid fields: {detail}")]
    InvalidFields { kind: String, detail: String },
}

/// A direction of the protocol: the set of message types one side may send.
pub trait Message: Serialize + DeserializeOwned {
    /// Every `type` value of this direction, so that an unknown one is told apart from a
    /// known one with bad fields.
    const TYPES: &'static [&'static str];
}

/// Serialises a message with the protocol version stamped in.
pub fn encode<M: Message>(message: &M) -> String {
    let mut value = serde_json::to_value(message).expect("signalling types always serialise");
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("v".into(), PROTOCOL_VERSION.into());
    }
    value.to_string()
}

/// Parses one signalling frame, checking size, version and type before the fields.
pub fn decode<M: Message>(text: &str) -> Result<M, SignalError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(SignalError::TooLarge {
            size: text.len(),
            max: MAX_MESSAGE_BYTES,
        });
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SignalError::Malformed(e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| SignalError::Malformed("not an object".into()))?;
    // A frame without "v" is taken as version 1: the first console shipped without it.
    let version = match object.get("v") {
        None => PROTOCOL_VERSION,
        Some(v) => v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| SignalError::Malformed("\"v\" is not a version number".into()))?,
    };
    if version != PROTOCOL_VERSION {
        return Err(SignalError::UnsupportedVersion(version));
    }
    let kind = object
        .get("type")
        .and_then(|t| t.as_str())
        .ok_or_else(|| SignalError::Malformed("missing \"type\"".into()))?
        .to_owned();
    if !M::TYPES.contains(&kind.as_str()) {
        return Err(SignalError::UnknownType(kind));
    }
    serde_json::from_value(value).map_err(|e| SignalError::InvalidFields {
        kind,
        detail: e.to_string(),
    })
}

mod collaborator;
mod customer;
mod ice;
mod join;
mod technician;
mod vocabulary;
mod wire_name;

pub use collaborator::*;
pub use customer::*;
pub use ice::*;
pub use join::*;
pub use technician::*;
pub use vocabulary::*;
pub use wire_name::UnknownName;

#[cfg(test)]
mod tests;
