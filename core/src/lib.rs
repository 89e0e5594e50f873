//! lens-core: the sans-IO heart of the Lens customer app. See DEVELOPERS.md.
pub mod eula;
pub mod join;
pub mod link_stats;
pub mod pin;
pub mod session;
pub mod signal;
