//! lens-server's integration tests, in one test binary: each file directly under `tests/`
//! is a binary of its own that links the server's whole dependency tree and builds `common`
//! again, which cost `make test` minutes per file.
//!
//! - [`flows`]: the product's flows and the operator's command line.
//! - The modules below: the attacks of the security review (issue 9), each replayed against
//!   a real server on loopback with a fresh database, bounded in requests and time. Each
//!   module performs one attack and asserts what the attacker must not get.
//!   `docs/security.md` lists them.
//!
//! Several attackers come "from many addresses": on Linux the whole of 127.0.0.0/8 is
//! loopback, so a client bound to 127.0.0.N is a different address to the server.

mod common;
mod flows;

#[path = "security/support.rs"]
mod support;

#[path = "security/operator.rs"]
mod operator;

#[path = "security/account_takeover.rs"]
mod account_takeover;

#[path = "security/revoked_login.rs"]
mod revoked_login;

#[path = "security/demo_account.rs"]
mod demo_account;

#[path = "security/database_files.rs"]
mod database_files;

#[path = "security/log_flood.rs"]
mod log_flood;

#[path = "security/headers.rs"]
mod headers;

#[path = "security/api_key_scope.rs"]
mod api_key_scope;

#[path = "security/smtp_errors.rs"]
mod smtp_errors;

#[path = "security/connections.rs"]
mod connections;
#[path = "security/proxy.rs"]
mod proxy;
#[path = "security/tls.rs"]
mod tls;

#[path = "security/pin_guessing.rs"]
mod pin_guessing;

#[path = "security/global_slowdown.rs"]
mod global_slowdown;

#[path = "security/login_guessing.rs"]
mod login_guessing;

#[path = "security/acme.rs"]
mod acme;
#[path = "security/pin_lifetimes.rs"]
mod pin_lifetimes;
