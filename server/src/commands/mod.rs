//! The `lens-server` subcommands (the binary's own modules, not the library's): `serve`, and
//! the operator's account commands.

pub mod accounts;
mod app_links;
pub mod serve;
