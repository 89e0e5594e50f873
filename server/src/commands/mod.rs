//! The `lens-server` subcommands (the binary's own modules, not the library's): `serve`, and
//! the operator's account commands.

pub mod accounts;
pub mod serve;
