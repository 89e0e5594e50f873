//! Encoders and decoders, independent of WebRTC so they can be benchmarked and tested alone.

pub mod h264;
pub mod opus;

pub use h264::{EncodedVideo, H264Encoder, H264Settings, H264_FMTP, PROFILE_LEVEL_ID};
pub use opus::{OPUS_FMTP, OpusDecoder, OpusEncoder, rms};
