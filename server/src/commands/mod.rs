//! The `lens-server` subcommands (the binary's own modules, not the library's): `serve`, and
//! the operator's account commands.

pub mod accounts;
mod app_links;
mod ice_servers;
pub mod serve;
