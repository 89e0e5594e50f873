//! Who may sign in and act: technicians and their passwords, groups with their permissions
//! and timeouts, and the API keys of chat systems.

pub mod api_keys;
pub mod groups;
pub mod password_guard;
pub mod technicians;
