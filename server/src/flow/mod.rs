//! The rules of a session's life: issuing and redeeming PINs, who may do what (groups'
//! permissions), each step from Pending to Closed, and the timers that end sessions nobody
//! acts on. HTTP and WebSocket handlers call in here; the SQL is in `store`.

pub mod access;
pub mod collaboration;
pub mod housekeeping;
pub mod ice;
pub mod media_events;
pub mod pins;
pub mod sessions;
pub mod timeouts;
pub mod transfer;
