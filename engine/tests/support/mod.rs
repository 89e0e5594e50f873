//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

pub mod collaborator;
pub mod customer;
pub mod reorder;
pub mod shaper;
pub mod stretch;
pub mod technician;
pub mod voice;
pub mod wait;
