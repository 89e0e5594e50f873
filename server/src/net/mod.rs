//! The listener and what sits in front of the routes: TLS (files or ACME), who the client is
//! (behind a proxy too), connection limits and rate limiting.

pub mod acme;
pub mod client_addr;
pub mod rate_limit;
pub mod serve;
pub mod tls;
