//! The video thread's choice for a picture lying on its side: send it as it lies, with its
//! turn in the video-orientation extension, when every technician's connection takes that
//! extension (Chromium's does); otherwise turn the pixels here, before the encoder.
//!
//! Sending it as it lies is what saves the phone work: no turn (in a 1280x720 picture about
//! four times what converting it costs, `cargo bench -p lens-engine --bench pushed`), and no
//! new encoder nor keyframe when the customer turns the phone, because the size the encoder
//! sees stays the sensor's. The receiver turns the decoded picture for display.

use super::writer::Outlets;
use crate::media::source::{I420Buffer, Rotation, VideoFrame, turn_upright};

pub(crate) struct Upright {
    outlets: Outlets,
    /// The turned picture, reused from frame to frame.
    turned: I420Buffer,
}

impl Upright {
    pub(crate) fn new(outlets: Outlets) -> Self {
        Self {
            outlets,
            turned: I420Buffer::new(2, 2),
        }
    }

    /// `frame` as it should reach the encoder: as it is if it is upright or every receiver
    /// can be told its turn, else turned upright (and then with no turn left to tell).
    pub(crate) fn frame<'a, 'f: 'a>(
        &'a mut self,
        frame: VideoFrame<'f>,
    ) -> Result<VideoFrame<'a>, String> {
        if frame.rotation == Rotation::R0 || self.outlets.all_take_video_orientation() {
            return Ok(frame);
        }
        turn_upright(&frame, &mut self.turned)?;
        Ok(self.turned.frame(frame.captured_at))
    }
}
