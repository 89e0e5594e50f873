//! Camera pictures in the shells' pixel formats to the encoder's I420, as they lie (the turn
//! upright is `source/rotation.rs`'s).
//!
//! The colour maths are the `yuv` crate's (SIMD on x86 and ARM). Two steps
//! are plain slice copies because `yuv` 0.8 has no function for them: a plane copy that drops
//! row padding (`copy_from_slice` per row, i.e. memcpy) and splitting NV12/NV21's interleaved
//! chroma into two planes (in blocks the compiler vectorises, see [`split_pairs`]). A full-range
//! (JFIF) picture is scaled to limited range in those same passes.

use yuv::{BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange, YuvStandardMatrix};

use super::types::{PixelFormat, PushError, VideoFrameLayout};
use crate::media::source::I420Buffer;

/// What the engine's encoder takes and says in its SPS (`codec/h264.rs`): BT.601 limited
/// range, what cameras deliver for SD and phones' front cameras.
const RANGE: YuvRange = YuvRange::Limited;
const MATRIX: YuvStandardMatrix = YuvStandardMatrix::Bt601;

/// Converts `planes` described by `layout` (already validated) into `out`, as the picture
/// lies: the turn it needs travels with it to the video thread (`send/upright.rs`), which
/// makes it only for a receiver that cannot be told.
pub(crate) fn to_i420(
    layout: &VideoFrameLayout,
    planes: [&[u8]; 3],
    out: &mut I420Buffer,
) -> Result<(), PushError> {
    out.reshape(layout.width, layout.height);
    convert(layout, planes, out)
}

fn convert(
    layout: &VideoFrameLayout,
    planes: [&[u8]; 3],
    out: &mut I420Buffer,
) -> Result<(), PushError> {
    let (w, h) = (layout.width as usize, layout.height as usize);
    let (cw, ch) = (w / 2, h / 2);
    let [s0, s1, s2] = layout.strides.map(|s| s as usize);
    // A full-range picture is scaled to limited range as it is copied: one pass over each
    // plane instead of a copy and then a second read-modify-write pass.
    let (luma, chroma) = match layout.full_range {
        true => (Levels::Narrow(LUMA_SPAN), Levels::Narrow(CHROMA_SPAN)),
        false => (Levels::AsIs, Levels::AsIs),
    };
    match layout.format {
        PixelFormat::I420 => {
            copy_plane(planes[0], s0, &mut out.y, w, h, luma);
            copy_plane(planes[1], s1, &mut out.u, cw, ch, chroma);
            copy_plane(planes[2], s2, &mut out.v, cw, ch, chroma);
        }
        PixelFormat::Nv12 | PixelFormat::Nv21 => {
            copy_plane(planes[0], s0, &mut out.y, w, h, luma);
            let (first, second) = if layout.format == PixelFormat::Nv12 {
                (&mut out.u, &mut out.v)
            } else {
                (&mut out.v, &mut out.u)
            };
            for row in 0..ch {
                // The last row may end one byte short (CameraX, see `validate`).
                let end = (row * s1 + 2 * cw).min(planes[1].len());
                let src = &planes[1][row * s1..end];
                let (a, b) = (
                    &mut first[row * cw..(row + 1) * cw],
                    &mut second[row * cw..(row + 1) * cw],
                );
                match chroma {
                    Levels::AsIs => split_pairs(src, a, b, |sample| sample),
                    Levels::Narrow(span) => split_pairs(src, a, b, |sample| narrow(sample, span)),
                }
            }
        }
        PixelFormat::Bgra | PixelFormat::Rgba => {
            // RGB has no range of its own: `yuv` writes limited range whatever the flag says.
            let mut image = YuvPlanarImageMut {
                y_plane: BufferStoreMut::Borrowed(&mut out.y),
                y_stride: layout.width,
                u_plane: BufferStoreMut::Borrowed(&mut out.u),
                u_stride: layout.width / 2,
                v_plane: BufferStoreMut::Borrowed(&mut out.v),
                v_stride: layout.width / 2,
                width: layout.width,
                height: layout.height,
            };
            let convert = if layout.format == PixelFormat::Bgra {
                yuv::bgra_to_yuv420
            } else {
                yuv::rgba_to_yuv420
            };
            convert(
                &mut image,
                planes[0],
                layout.strides[0],
                RANGE,
                MATRIX,
                YuvConversionMode::Balanced,
            )
            .map_err(|e| PushError::Conversion(e.to_string()))?;
        }
    }
    Ok(())
}

/// How a pushed plane's samples become the encoder's.
#[derive(Clone, Copy)]
enum Levels {
    /// Already BT.601 limited range: copied as they are.
    AsIs,
    /// Full range (JFIF), 0–255, scaled onto 16..=16 + span. Without it a phone's blacks
    /// and whites reach the receiver as blacker than black and whiter than white, which it
    /// clips, and the shadows and highlights are lost.
    Narrow(u16),
}

/// Limited range's span of luma (16–235) and chroma (16–240; 128 stays 128).
const LUMA_SPAN: u16 = 219;
const CHROMA_SPAN: u16 = 224;

/// One full-range sample on limited range's scale: plain arithmetic that the compiler
/// vectorises (a division by a constant is a multiplication).
#[inline(always)]
fn narrow(sample: u8, span: u16) -> u8 {
    (16 + (u16::from(sample) * span + 127) / 255) as u8
}

/// Copies one row, scaled to limited range if it is full range.
fn copy_row(src: &[u8], dst: &mut [u8], levels: Levels) {
    match levels {
        Levels::AsIs => dst.copy_from_slice(src),
        Levels::Narrow(span) => {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = narrow(s, span);
            }
        }
    }
}

/// Chroma pairs per step of [`split_pairs`]' main loop.
const PAIRS: usize = 32;

/// Splits one row of interleaved chroma pairs into the first and second planes' rows, each
/// sample through `level`.
///
/// Each pair is read as one little-endian 16-bit word and split into its low and high byte, in
/// fixed blocks: the compiler turns that into vector loads and packs. A pair at a time through
/// `chunks_exact(2)` stayed scalar (`cargo bench -p lens-engine --bench pushed -- convert`).
/// Not inlined: inlined into `convert`, the compiler left the copy without narrowing scalar
/// (NV12 175 µs a 720p picture against 34 µs, as much as an I420 plane copy, out of line).
#[inline(never)]
fn split_pairs(src: &[u8], a: &mut [u8], b: &mut [u8], level: impl Fn(u8) -> u8 + Copy) {
    let blocks = (src.len() / (2 * PAIRS)).min(a.len() / PAIRS);
    // Zipped through `&mut` on purpose: the same zip of the chunk iterators by value (which
    // takes the standard library's random-access path) stayed scalar, 180 against 12 µs.
    let (mut src_blocks, mut a_blocks, mut b_blocks) = (
        src.chunks_exact(2 * PAIRS),
        a.chunks_exact_mut(PAIRS),
        b.chunks_exact_mut(PAIRS),
    );
    for ((pairs, a), b) in (&mut src_blocks).zip(&mut a_blocks).zip(&mut b_blocks) {
        let mut words = [0u16; PAIRS];
        for (i, word) in words.iter_mut().enumerate() {
            *word = u16::from_le_bytes([pairs[2 * i], pairs[2 * i + 1]]);
        }
        for i in 0..PAIRS {
            a[i] = level(words[i] as u8);
            b[i] = level((words[i] >> 8) as u8);
        }
    }
    // The rest starts after the blocks both sides had whole, not at the iterators'
    // remainders: a row one byte short (CameraX) has a block fewer of pairs than of output.
    let done = blocks * PAIRS;
    let rest = src[2 * done..]
        .chunks_exact(2)
        .zip(&mut a[done..])
        .zip(&mut b[done..]);
    for ((pair, a), b) in rest {
        *a = level(pair[0]);
        *b = level(pair[1]);
    }
    if let [.., last] = src.chunks_exact(2).remainder() {
        // The missing byte is the other component of the bottom-right 2x2 block: its left
        // neighbour's stands in (one chroma sample of the whole picture).
        let n = a.len();
        a[n - 1] = level(*last);
        b[n - 1] = if n >= 2 { b[n - 2] } else { 128 };
    }
}

/// Copies `rows` rows of `width` bytes from a strided plane into a packed one.
fn copy_plane(
    src: &[u8],
    src_stride: usize,
    dst: &mut [u8],
    width: usize,
    rows: usize,
    levels: Levels,
) {
    if src_stride == width && src.len() >= width * rows {
        copy_row(&src[..width * rows], &mut dst[..width * rows], levels);
        return;
    }
    for row in 0..rows {
        copy_row(
            &src[row * src_stride..row * src_stride + width],
            &mut dst[row * width..(row + 1) * width],
            levels,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::Rotation;
    use super::*;

    /// A 32x16 picture, mid grey, with a red 8x8 square in its top-left corner, in `format`.
    fn picture(format: PixelFormat) -> (VideoFrameLayout, [Vec<u8>; 3]) {
        let (w, h) = (32usize, 16usize);
        let red = |x: usize, y: usize| x < 8 && y < 8;
        // BT.601 limited: red is Y 81, U 90, V 240; grey (128,128,128) is Y 126, U V 128.
        let (yr, ur, vr, yg) = (81u8, 90u8, 240u8, 126u8);
        let layout = |strides| VideoFrameLayout {
            width: w as u32,
            height: h as u32,
            format,
            strides,
            rotation: Rotation::R0,
            timestamp_us: 0,
            full_range: false,
        };
        let y: Vec<u8> = (0..w * h)
            .map(|i| if red(i % w, i / w) { yr } else { yg })
            .collect();
        let chroma = |v: u8| -> Vec<u8> {
            (0..w * h / 4)
                .map(|i| {
                    if red(i % (w / 2) * 2, i / (w / 2) * 2) {
                        v
                    } else {
                        128
                    }
                })
                .collect()
        };
        match format {
            PixelFormat::I420 => (layout([32, 16, 16]), [y, chroma(ur), chroma(vr)]),
            PixelFormat::Nv12 | PixelFormat::Nv21 => {
                let (u, v) = (chroma(ur), chroma(vr));
                let uv = u
                    .iter()
                    .zip(&v)
                    .flat_map(|(&u, &v)| {
                        if format == PixelFormat::Nv12 {
                            [u, v]
                        } else {
                            [v, u]
                        }
                    })
                    .collect();
                (layout([32, 32, 0]), [y, uv, Vec::new()])
            }
            PixelFormat::Bgra | PixelFormat::Rgba => {
                let rgba = (0..w * h)
                    .flat_map(|i| {
                        let (r, g, b) = if red(i % w, i / w) {
                            (255, 0, 0)
                        } else {
                            (128, 128, 128)
                        };
                        if format == PixelFormat::Rgba {
                            [r, g, b, 255]
                        } else {
                            [b, g, r, 255]
                        }
                    })
                    .collect();
                (layout([128, 0, 0]), [rgba, Vec::new(), Vec::new()])
            }
        }
    }

    /// The Y, U, V of the 2x2 block at (x, y) of `buf`.
    fn yuv_at(buf: &I420Buffer, x: usize, y: usize) -> (u8, u8, u8) {
        let (w, cw) = (buf.width as usize, buf.width as usize / 2);
        (
            buf.y[y * w + x],
            buf.u[y / 2 * cw + x / 2],
            buf.v[y / 2 * cw + x / 2],
        )
    }

    fn is_red((y, u, v): (u8, u8, u8)) -> bool {
        (70..95).contains(&y) && (80..100).contains(&u) && v > 225
    }

    #[test]
    fn full_range_pictures_reach_the_encoder_in_limited_range() {
        // A 4x2 NV12 picture from a JFIF camera: black, white, mid grey and a dark grey on
        // each row; its two chroma pairs at the ends of the range.
        let y = [0u8, 255, 128, 64, 0, 255, 128, 64];
        let uv = [0u8, 255, 255, 0];
        let layout = VideoFrameLayout {
            width: 4,
            height: 2,
            format: PixelFormat::Nv12,
            strides: [4, 4, 0],
            rotation: Rotation::R0,
            timestamp_us: 0,
            full_range: true,
        };
        let convert = |layout: &VideoFrameLayout, planes: [&[u8]; 3]| {
            let mut out = I420Buffer::new(2, 2);
            layout.validate(planes).unwrap();
            to_i420(layout, planes, &mut out).unwrap();
            out
        };
        let out = convert(&layout, [&y, &uv, &[]]);
        assert_eq!(&out.y[..4], &[16, 235, 126, 71], "black, white and greys");
        assert_eq!((out.u[0], out.v[0]), (16, 240));
        assert_eq!((out.u[1], out.v[1]), (240, 16));

        // The same bytes said to be limited range are taken as they are.
        let limited = VideoFrameLayout {
            full_range: false,
            ..layout
        };
        assert_eq!(&convert(&limited, [&y, &uv, &[]]).y[..4], &y[..4]);

        // RGB has no range of its own: black is limited-range black whatever the flag says.
        let black = [0u8, 0, 0, 255].repeat(8);
        let rgba = VideoFrameLayout {
            format: PixelFormat::Rgba,
            strides: [16, 0, 0],
            ..layout
        };
        let from_rgb = convert(&rgba, [&black, &[], &[]]);
        assert!(from_rgb.y.iter().all(|&y| y == 16));
    }

    #[test]
    fn every_format_converts_with_the_marker_in_place() {
        for format in [
            PixelFormat::I420,
            PixelFormat::Nv12,
            PixelFormat::Nv21,
            PixelFormat::Bgra,
            PixelFormat::Rgba,
        ] {
            let (layout, planes) = picture(format);
            let mut out = I420Buffer::new(2, 2);
            layout
                .validate([&planes[0], &planes[1], &planes[2]])
                .unwrap();
            to_i420(&layout, [&planes[0], &planes[1], &planes[2]], &mut out).unwrap();
            assert_eq!((out.width, out.height), (32, 16));
            assert!(
                is_red(yuv_at(&out, 2, 2)),
                "{format:?}: {:?}",
                yuv_at(&out, 2, 2)
            );
            assert!(!is_red(yuv_at(&out, 28, 12)), "{format:?}");
        }
    }

    #[test]
    fn chroma_pairs_split_the_same_in_blocks_and_one_by_one() {
        // Rows shorter than, equal to and longer than the vectorised blocks, whole and one
        // byte short (CameraX), as they are and narrowed.
        let narrowed = |sample| narrow(sample, CHROMA_SPAN);
        for pairs in [1, 31, 32, 33, 64, 70, 100] {
            for short in [false, true] {
                let src: Vec<u8> = (0..2 * pairs - usize::from(short))
                    .map(|i| (i * 37 % 256) as u8)
                    .collect();
                let expected = |level: &dyn Fn(u8) -> u8| -> (Vec<u8>, Vec<u8>) {
                    let a = (0..pairs).map(|i| level(src[2 * i])).collect();
                    let b = (0..pairs)
                        .map(|i| match src.get(2 * i + 1) {
                            Some(&v) => level(v),
                            None if i > 0 => level(src[2 * i - 1]),
                            None => 128,
                        })
                        .collect();
                    (a, b)
                };
                let (mut a, mut b) = (vec![0; pairs], vec![0; pairs]);
                split_pairs(&src, &mut a, &mut b, |sample| sample);
                assert_eq!((a.clone(), b.clone()), expected(&|s| s), "{pairs} {short}");
                split_pairs(&src, &mut a, &mut b, narrowed);
                assert_eq!((a, b), expected(&narrowed), "{pairs} {short} narrowed");
            }
        }
    }

    #[test]
    fn camerax_chroma_one_byte_short_is_taken_as_it_comes() {
        // YUV_420_888 with a pixel stride of 2: the V plane's buffer (NV21 order) ends one
        // byte before the last pair is complete, and its row stride is padded.
        let (layout, planes) = picture(PixelFormat::Nv21);
        let (w, ch) = (32usize, 8usize);
        let stride = 48usize;
        let mut vu = vec![0u8; stride * (ch - 1) + w - 1];
        for row in 0..ch {
            let n = if row == ch - 1 { w - 1 } else { w };
            vu[row * stride..row * stride + n].copy_from_slice(&planes[1][row * w..row * w + n]);
        }
        let layout = VideoFrameLayout {
            strides: [32, stride as u32, 0],
            ..layout
        };
        layout.validate([&planes[0], &vu, &[]]).unwrap();
        let mut out = I420Buffer::new(2, 2);
        to_i420(&layout, [&planes[0], &vu, &[]], &mut out).unwrap();
        assert!(is_red(yuv_at(&out, 2, 2)));
        assert_eq!(
            yuv_at(&out, 30, 14),
            (126, 128, 128),
            "the bottom-right block is whole grey"
        );

        // Two bytes short is a broken buffer, not CameraX.
        let shorter = &vu[..vu.len() - 1];
        assert!(matches!(
            layout.validate([&planes[0], shorter, &[]]),
            Err(PushError::BufferTooSmall { plane: 1, .. })
        ));
    }
}
