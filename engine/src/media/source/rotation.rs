//! Which way up a picture is, and turning it.
//!
//! A phone's camera sensor is mounted landscape, so a phone held upright delivers every picture
//! lying on its side. Either side can turn it: the receiver, when the connection negotiated
//! the RTP video-orientation extension (CVO, `urn:3gpp:video-orientation`, which Chromium and
//! every libwebrtc receiver honour), or this engine, by turning the pixels before the encoder.
//! Turning a 1280x720 picture costs the phone about four times what converting it does
//! (`cargo bench -p lens-engine --bench pushed`), so the pixels are turned only for a receiver
//! that cannot be told (see `send/upright.rs`).

use yuv::RotationMode;

use super::{I420Buffer, VideoFrame};

/// How far the picture must turn clockwise to be upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    #[default]
    R0,
    R90,
    R180,
    R270,
}

impl Rotation {
    /// Whether the turn swaps width and height.
    pub fn is_sideways(self) -> bool {
        matches!(self, Rotation::R90 | Rotation::R270)
    }
}

/// Turns `frame` upright by its `rotation` into `out` (reshaped to fit).
pub fn turn_upright(frame: &VideoFrame<'_>, out: &mut I420Buffer) -> Result<(), String> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    // `yuv`'s rotation modes turn counter-clockwise (checked by
    // `turning_moves_the_top_left_corner_clockwise`).
    let mode = match frame.rotation {
        Rotation::R0 => {
            out.reshape(frame.width, frame.height);
            copy_plane(frame.y, frame.y_stride, &mut out.y, w, h);
            copy_plane(frame.u, frame.uv_stride, &mut out.u, w / 2, h / 2);
            copy_plane(frame.v, frame.uv_stride, &mut out.v, w / 2, h / 2);
            return Ok(());
        }
        Rotation::R90 => RotationMode::Rotate270,
        Rotation::R180 => RotationMode::Rotate180,
        Rotation::R270 => RotationMode::Rotate90,
    };
    match frame.rotation.is_sideways() {
        true => out.reshape(frame.height, frame.width),
        false => out.reshape(frame.width, frame.height),
    }
    let (dw, cdw) = (out.width as usize, out.width as usize / 2);
    let turn = |s: &[u8], stride: usize, d: &mut [u8], sw: usize, sh: usize, dstride: usize| {
        yuv::rotate_plane(s, stride, d, dstride, sw, sh, mode).map_err(|e| e.to_string())
    };
    turn(frame.y, frame.y_stride, &mut out.y, w, h, dw)?;
    turn(frame.u, frame.uv_stride, &mut out.u, w / 2, h / 2, cdw)?;
    turn(frame.v, frame.uv_stride, &mut out.v, w / 2, h / 2, cdw)?;
    Ok(())
}

fn copy_plane(src: &[u8], stride: usize, dst: &mut [u8], width: usize, height: usize) {
    for (row, out) in src
        .chunks(stride)
        .zip(dst.chunks_exact_mut(width))
        .take(height)
    {
        out.copy_from_slice(&row[..width]);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// A 32x16 grey picture with a white 4x4 block in its top-left corner.
    fn marked() -> I420Buffer {
        let mut picture = I420Buffer::new(32, 16);
        picture.y.fill(128);
        for y in 0..4 {
            picture.y[y * 32..y * 32 + 4].fill(235);
        }
        picture
    }

    fn white_at(picture: &I420Buffer, x: usize, y: usize) -> bool {
        picture.y[y * picture.width as usize + x] == 235
    }

    #[test]
    fn turning_moves_the_top_left_corner_clockwise() {
        let source = marked();
        for (rotation, size, corner) in [
            (Rotation::R0, (32, 16), (1, 1)),
            (Rotation::R90, (16, 32), (14, 1)),
            (Rotation::R180, (32, 16), (30, 14)),
            (Rotation::R270, (16, 32), (1, 30)),
        ] {
            let frame = VideoFrame {
                rotation,
                ..source.frame(Instant::now())
            };
            let mut out = I420Buffer::new(2, 2);
            turn_upright(&frame, &mut out).unwrap();
            assert_eq!((out.width, out.height), size, "{rotation:?}");
            assert!(white_at(&out, corner.0, corner.1), "{rotation:?}");
            let white = out.y.iter().filter(|&&v| v == 235).count();
            assert_eq!(white, 16, "{rotation:?}: only the block, whole");
        }
    }
}
