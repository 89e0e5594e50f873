//! Encoders and decoders, independent of WebRTC so they can be benchmarked and tested alone.

pub mod h264;
mod loss_plan;
pub mod opus;

pub use h264::{EncodedVideo, H264_FMTP, H264Encoder, H264Settings, PROFILE_LEVEL_ID};
pub use opus::{OPUS_FMTP, OpusDecoder, OpusEncoder, VOICE_BITRATE_BPS, VoiceProfile, rms};
