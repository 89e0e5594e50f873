//! The receive side: the technician's voice from the remote track (`receive`) through the
//! jitter buffer (`jitter`) and the Opus decoder into a sink (`sink`): the sound card
//! (`playback`) or the shell's pull (`MediaControls::pull_playback`).

pub mod jitter;
pub(crate) mod mixer;
pub mod playback;
pub(crate) mod receive;
pub(crate) mod sink;
mod standing;
