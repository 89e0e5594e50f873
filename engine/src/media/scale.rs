//! Scaling I420 pictures down to the size the bitrate ladder picked (see `ladder.rs`).
//!
//! Each plane is resized on its own with `fast_image_resize` (SIMD convolution; SSE4.1/AVX2
//! on x86, NEON on ARM). The bilinear filter is the usual choice for real-time downscaling: at
//! the ladder's ratios (720 → 540 → 360 → 270 → 180) it keeps small text legible at a fraction
//! of the cost of Lanczos.
//!
//! The output buffer is kept between frames, so steady-state scaling allocates nothing.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::error::MediaError;
use super::source::{I420Buffer, VideoFrame};

pub struct Scaler {
    resizer: Resizer,
    options: ResizeOptions,
    out: I420Buffer,
    /// Rows of a strided plane packed tightly: `fast_image_resize` reads packed rows only.
    packed: Vec<u8>,
}

impl Default for Scaler {
    fn default() -> Self {
        Self {
            resizer: Resizer::new(),
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)),
            out: I420Buffer::new(2, 2),
            packed: Vec::new(),
        }
    }
}

impl Scaler {
    /// `frame` at `width` x `height` (both even). The result borrows this scaler until the next
    /// call.
    pub fn scale<'a>(
        &'a mut self,
        frame: &VideoFrame<'_>,
        width: u32,
        height: u32,
    ) -> Result<VideoFrame<'a>, MediaError> {
        if self.out.width != width || self.out.height != height {
            self.out = I420Buffer::new(width, height);
        }
        let (cw, ch) = (frame.width / 2, frame.height / 2);
        let planes = [
            (
                frame.y,
                frame.y_stride,
                frame.width,
                frame.height,
                &mut self.out.y,
                width,
                height,
            ),
            (
                frame.u,
                frame.uv_stride,
                cw,
                ch,
                &mut self.out.u,
                width / 2,
                height / 2,
            ),
            (
                frame.v,
                frame.uv_stride,
                cw,
                ch,
                &mut self.out.v,
                width / 2,
                height / 2,
            ),
        ];
        for (src, stride, sw, sh, dst, dw, dh) in planes {
            let src = packed_plane(src, stride, sw as usize, sh as usize, &mut self.packed);
            let src = ImageRef::new(sw, sh, src, PixelType::U8).map_err(scale_error)?;
            let mut dst = Image::from_slice_u8(dw, dh, dst.as_mut_slice(), PixelType::U8)
                .map_err(scale_error)?;
            self.resizer
                .resize(&src, &mut dst, &self.options)
                .map_err(scale_error)?;
        }
        // Scaled as it lies: the turn it still needs goes with it.
        Ok(VideoFrame {
            rotation: frame.rotation,
            ..self.out.frame(frame.captured_at)
        })
    }
}

/// The plane itself when its rows are packed; otherwise a packed copy in `scratch`.
fn packed_plane<'a>(
    plane: &'a [u8],
    stride: usize,
    width: usize,
    height: usize,
    scratch: &'a mut Vec<u8>,
) -> &'a [u8] {
    if stride == width {
        return &plane[..width * height];
    }
    scratch.clear();
    for row in plane.chunks(stride).take(height) {
        scratch.extend_from_slice(&row[..width]);
    }
    scratch
}

fn scale_error(error: impl std::fmt::Display) -> MediaError {
    MediaError::VideoEncoder(format!("cannot scale the picture: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::source::{TestPattern, read_frame_counter};
    use std::time::Instant;

    #[test]
    fn a_picture_scales_to_half_size_and_keeps_its_content() {
        // 864 and 432 lines: the pattern's counter cells (height / 48) are then exactly twice
        // as large in the source as in a pattern drawn at the smaller size.
        let mut pattern = TestPattern::new(1536, 864, 30);
        let source = pattern.render(42).frame(Instant::now());
        let mut scaler = Scaler::default();
        let small = scaler.scale(&source, 768, 432).unwrap();
        assert_eq!((small.width, small.height), (768, 432));
        assert_eq!(small.y.len(), 768 * 432);
        assert_eq!(small.u.len(), 384 * 216);
        // The frame counter reads back at the small size, so the picture is the source's,
        // scaled, not a blank buffer.
        assert_eq!(
            read_frame_counter(small.y, small.y_stride, 768, 432),
            Some(42)
        );
        // And the chroma came along: the box and bars are not grey.
        assert!(small.u.iter().any(|&u| u.abs_diff(128) > 40));
    }

    #[test]
    fn strided_planes_are_read_row_by_row() {
        // A 4x2 plane stored with a stride of 6: the two bytes of padding must not leak in.
        let plane = [1, 2, 3, 4, 99, 99, 5, 6, 7, 8, 99, 99];
        let mut scratch = Vec::new();
        assert_eq!(
            packed_plane(&plane, 6, 4, 2, &mut scratch),
            &[1, 2, 3, 4, 5, 6, 7, 8]
        );
    }
}
