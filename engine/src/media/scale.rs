//! Scaling I420 pictures down to the size the bitrate ladder picked (see `ladder.rs`).
//!
//! The ratios a camera meets on the ladder have fast paths of their own, as in libyuv (which
//! Chromium uses): each factor of two comes off first with a 2x2 box ([`halve`]), and an
//! exact three quarters after that is a fixed 4-to-3 filter ([`three_quarters`]). From a 720p
//! camera every rung is made of those: 540p is 3/4, 360p one halving, 270p a halving and 3/4,
//! 180p two halvings. Any other ratio left (a 1080p camera's 1080 → 720) is resized plane by
//! plane with `fast_image_resize` (SIMD convolution; SSE4.1/AVX2 on x86, NEON on ARM), whose
//! bilinear filter keeps small text legible but costs about 24 times a halving and 4 times a
//! three quarters on the same picture.
//!
//! The buffers are kept between frames, so steady-state scaling allocates nothing.

mod halve;
mod three_quarters;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::error::MediaError;
use super::source::{I420Buffer, VideoFrame};

pub struct Scaler {
    resizer: Resizer,
    options: ResizeOptions,
    /// The picture after each halving, largest first.
    halves: Vec<I420Buffer>,
    out: I420Buffer,
    /// Rows of a strided plane packed tightly: `fast_image_resize` reads packed rows only.
    packed: Vec<u8>,
    /// Two source rows blended, for [`three_quarters`].
    blended_row: Vec<u8>,
}

impl Default for Scaler {
    fn default() -> Self {
        Self {
            resizer: Resizer::new(),
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)),
            halves: Vec::new(),
            out: I420Buffer::new(2, 2),
            packed: Vec::new(),
            blended_row: Vec::new(),
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
        let Self {
            resizer,
            options,
            halves,
            out,
            packed,
            blended_row,
        } = self;
        halves.resize_with(halvings(frame.width, frame.height, width, height), || {
            I420Buffer::new(2, 2)
        });
        for i in 0..halves.len() {
            let (done, rest) = halves.split_at_mut(i);
            let source = done.last().map_or(*frame, |b| b.frame(frame.captured_at));
            halve_picture(&source, &mut rest[0]);
        }
        // Scaled as it lies: the turn it still needs goes with it.
        let upright_as = |picture: VideoFrame<'a>| VideoFrame {
            rotation: frame.rotation,
            ..picture
        };
        let source = match halves.last() {
            Some(half) if (half.width, half.height) == (width, height) => {
                return Ok(upright_as(half.frame(frame.captured_at)));
            }
            Some(half) => half.frame(frame.captured_at),
            None => *frame,
        };

        if out.width != width || out.height != height {
            *out = I420Buffer::new(width, height);
        }
        if is_three_quarters(source.width, source.height, width, height) {
            let (w, h) = (source.width as usize, source.height as usize);
            let planes = [
                (source.y, source.y_stride, w, h, &mut out.y),
                (source.u, source.uv_stride, w / 2, h / 2, &mut out.u),
                (source.v, source.uv_stride, w / 2, h / 2, &mut out.v),
            ];
            for (src, stride, w, h, dst) in planes {
                three_quarters::three_quarters_plane(src, stride, w, h, dst, blended_row);
            }
            return Ok(upright_as(out.frame(frame.captured_at)));
        }
        let (cw, ch) = (source.width / 2, source.height / 2);
        let planes = [
            (
                source.y,
                source.y_stride,
                source.width,
                source.height,
                &mut out.y,
                width,
                height,
            ),
            (
                source.u,
                source.uv_stride,
                cw,
                ch,
                &mut out.u,
                width / 2,
                height / 2,
            ),
            (
                source.v,
                source.uv_stride,
                cw,
                ch,
                &mut out.v,
                width / 2,
                height / 2,
            ),
        ];
        for (src, stride, sw, sh, dst, dw, dh) in planes {
            let src = packed_plane(src, stride, sw as usize, sh as usize, packed);
            let src = ImageRef::new(sw, sh, src, PixelType::U8).map_err(scale_error)?;
            let mut dst = Image::from_slice_u8(dw, dh, dst.as_mut_slice(), PixelType::U8)
                .map_err(scale_error)?;
            resizer
                .resize(&src, &mut dst, &*options)
                .map_err(scale_error)?;
        }
        Ok(upright_as(out.frame(frame.captured_at)))
    }
}

/// How many times a `width` x `height` picture halves on its way to `to_width` x `to_height`:
/// while the target is at most half of it both ways, and the half still has even sides with
/// even chroma planes (sides divisible by 4), so that nothing is cut off.
fn halvings(mut width: u32, mut height: u32, to_width: u32, to_height: u32) -> usize {
    let mut count = 0;
    while to_width * 2 <= width
        && to_height * 2 <= height
        && width.is_multiple_of(4)
        && height.is_multiple_of(4)
    {
        width /= 2;
        height /= 2;
        count += 1;
    }
    count
}

/// Whether `to_width` x `to_height` is exactly three quarters of `width` x `height`, with
/// every 4x4 block whole in the chroma planes too (sides divisible by 8).
fn is_three_quarters(width: u32, height: u32, to_width: u32, to_height: u32) -> bool {
    to_width * 4 == width * 3
        && to_height * 4 == height * 3
        && width.is_multiple_of(8)
        && height.is_multiple_of(8)
}

/// `source` at half its size into `half`.
fn halve_picture(source: &VideoFrame<'_>, half: &mut I420Buffer) {
    let (w, h) = (source.width as usize, source.height as usize);
    half.reshape(source.width / 2, source.height / 2);
    halve::halve_plane(source.y, source.y_stride, w, h, &mut half.y);
    halve::halve_plane(source.u, source.uv_stride, w / 2, h / 2, &mut half.u);
    halve::halve_plane(source.v, source.uv_stride, w / 2, h / 2, &mut half.v);
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

    /// A `width` x `height` plane of pixels all over the range, rows `stride` bytes apart,
    /// with 255 in the padding, which a scaler must not let in.
    pub(super) fn noisy_plane(width: usize, height: usize, stride: usize) -> Vec<u8> {
        let mut state = 7u32;
        (0..stride * height)
            .map(|i| {
                if i % stride >= width {
                    return 255;
                }
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect()
    }

    /// Scales frames `indices` of a `from` pattern to `to` and checks each comes out at that
    /// size with its own frame number readable (so the source's picture, scaled, not a blank
    /// buffer or an earlier frame kept) and its colour (the box and bars are not grey). `from`
    /// is chosen so that its counter cells scale to exactly those of a pattern drawn at `to`.
    fn assert_scaled_keeps_content(from: (u32, u32), to: (u32, u32), indices: &[u64]) {
        let mut pattern = TestPattern::new(from.0, from.1, 30);
        let mut scaler = Scaler::default();
        for &index in indices {
            let source = pattern.render(index).frame(Instant::now());
            let small = scaler.scale(&source, to.0, to.1).unwrap();
            let (w, h) = (to.0 as usize, to.1 as usize);
            assert_eq!((small.width, small.height), to);
            assert_eq!((small.y.len(), small.u.len()), (w * h, w * h / 4));
            assert_eq!(
                read_frame_counter(small.y, small.y_stride, to.0, to.1),
                Some(index as u32)
            );
            assert!(small.u.iter().any(|&u| u.abs_diff(128) > 40));
            assert!(small.v.iter().any(|&v| v.abs_diff(128) > 40));
        }
    }

    #[test]
    fn a_picture_scales_to_half_size_and_keeps_its_content() {
        // 864 and 432 lines: counter cells (height / 48) of 18 and 9 pixels.
        assert_scaled_keeps_content((1536, 864), (768, 432), &[42, 43]);
    }

    #[test]
    fn a_quarter_is_two_halvings_and_keeps_its_content() {
        // 768 and 192 lines: cells of 16 and 4 pixels.
        assert_scaled_keeps_content((1024, 768), (256, 192), &[42, 43]);
    }

    #[test]
    fn three_eighths_halves_then_takes_three_quarters_and_keeps_its_content() {
        // 768 to 288 lines: halved to 384, then 3/4 of that; cells of 16 and 6 pixels.
        assert_scaled_keeps_content((1152, 768), (432, 288), &[42, 43]);
    }

    #[test]
    fn three_quarters_keeps_its_content() {
        // 768 to 576 lines: cells of 16 and 12 pixels.
        assert_scaled_keeps_content((1024, 768), (768, 576), &[42, 43]);
    }

    #[test]
    fn two_thirds_is_resized_and_keeps_its_content() {
        // No fast path: 864 to 576 lines, cells of 18 and 12 pixels.
        assert_scaled_keeps_content((1536, 864), (1024, 576), &[42, 43]);
    }

    #[test]
    fn the_ladder_from_a_720p_camera_takes_only_fast_paths() {
        for (to_width, to_height, halved) in
            [(960, 540, 0), (640, 360, 1), (480, 270, 1), (320, 180, 2)]
        {
            let count = halvings(1280, 720, to_width, to_height);
            assert_eq!(count, halved, "halvings to {to_height} lines");
            let (w, h) = (1280 >> count, 720 >> count);
            assert!(
                (w, h) == (to_width, to_height) || is_three_quarters(w, h, to_width, to_height),
                "{w}x{h} to {to_width}x{to_height}"
            );
        }
        assert!(!is_three_quarters(1920, 1080, 1280, 720));
    }

    #[test]
    fn exact_halving_is_the_mean_of_each_two_by_two_block() {
        let mut pattern = TestPattern::new(1280, 720, 30);
        let source = pattern.render(7).frame(Instant::now());
        let mut scaler = Scaler::default();
        let half = scaler.scale(&source, 640, 360).unwrap();
        let mean = |plane: &[u8], stride: usize, x: usize, y: usize| {
            let at = |dx, dy| u16::from(plane[(2 * y + dy) * stride + 2 * x + dx]);
            ((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4) as u8
        };
        for (x, y) in [(0, 0), (319, 100), (639, 359), (500, 250)] {
            assert_eq!(
                half.y[y * 640 + x],
                mean(source.y, 1280, x, y),
                "luma at {x},{y}"
            );
        }
        for (x, y) in [(0, 0), (159, 90), (319, 179)] {
            assert_eq!(
                half.v[y * 320 + x],
                mean(source.v, 640, x, y),
                "chroma at {x},{y}"
            );
        }
    }

    #[test]
    fn halvings_stop_where_a_half_would_cut_pixels_off() {
        assert_eq!(halvings(1280, 720, 640, 360), 1);
        assert_eq!(halvings(1280, 720, 320, 180), 2);
        assert_eq!(halvings(1280, 720, 480, 270), 1);
        assert_eq!(halvings(1280, 720, 960, 540), 0);
        assert_eq!(halvings(1920, 1080, 640, 360), 1);
        // Portrait, as a phone held upright sends it.
        assert_eq!(halvings(720, 1280, 360, 640), 1);
        // 1366 / 2 = 683: an odd half has no whole chroma column for its last pixel.
        assert_eq!(halvings(1366, 768, 682, 384), 0);
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
