//! The capture time, drawn into the synthetic camera's pictures as a row of black and white
//! cells, so that a receiver can measure glass-to-glass latency from the decoded pixels alone
//! (`tests/bench/latency.mjs` reads it back in Chromium; both ends share the machine's clock).
//!
//! The row holds [`STAMP_BITS`] cells: the capture time in milliseconds since the Unix epoch,
//! modulo 2^32 (it wraps every 49 days; a reader subtracts modulo 2^32 too), most significant
//! bit first, then [`CHECK_BITS`] of check (the XOR of its four bytes and a constant), so that a cell misread
//! through compression gives `None`, never a wrong time.
//!
//! The layout is given in pixels of the picture as drawn; a receiver that decodes a scaled-down
//! picture scales the positions. The bench's JavaScript repeats [`StampLayout::for_size`] and
//! the Chromium reference sender draws the same row, so change them together.

use std::time::{SystemTime, UNIX_EPOCH};

use super::paint::{self, THRESHOLD};

const TIME_BITS: usize = 32;
const CHECK_BITS: usize = 8;
/// Cells in the row.
pub const STAMP_BITS: usize = TIME_BITS + CHECK_BITS;

/// Where the row sits: on a dark plate in the bottom-left corner, one cell of margin around
/// the row (the frame counter has the top-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StampLayout {
    /// Cell size in pixels.
    pub cell: usize,
    /// Top-left of the plate.
    pub x0: usize,
    pub y0: usize,
}

impl StampLayout {
    const PLATE_CELLS_W: usize = STAMP_BITS + 2;
    const PLATE_CELLS_H: usize = 3;

    /// `None` when the picture is too small for cells of at least 2 pixels.
    pub fn for_size(width: u32, height: u32) -> Option<Self> {
        let (w, h) = (width as usize, height as usize);
        // As large as the frame counter's cells (1/48 of the height), so the row survives the
        // same compression, but never wider than the picture.
        let cell = (h / 48)
            .max(4)
            .min(w / (Self::PLATE_CELLS_W + 1))
            .min(h / (Self::PLATE_CELLS_H + 1));
        (cell >= 2).then(|| Self {
            cell,
            x0: cell,
            y0: h - cell * (Self::PLATE_CELLS_H + 1),
        })
    }

    fn plate(&self) -> (usize, usize, usize, usize) {
        (
            self.x0,
            self.y0,
            Self::PLATE_CELLS_W * self.cell,
            Self::PLATE_CELLS_H * self.cell,
        )
    }

    /// Top-left pixel of cell `bit`.
    fn cell_origin(&self, bit: usize) -> (usize, usize) {
        (self.x0 + self.cell * (1 + bit), self.y0 + self.cell)
    }
}

/// Milliseconds since the Unix epoch, modulo 2^32: what [`draw`] writes for `at`.
pub fn stamp_millis(at: SystemTime) -> u32 {
    let millis = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    (millis % (1u128 << TIME_BITS)) as u32
}

/// The XOR of the value's bytes, and of a constant: a plate with no stamp on it (every cell
/// dark, or every cell lit) does not check.
fn check_of(value: u32) -> u8 {
    value.to_be_bytes().iter().fold(0xa5, |acc, b| acc ^ b)
}

fn bits_of(value: u32) -> impl Iterator<Item = bool> {
    let word = (u64::from(value) << CHECK_BITS) | u64::from(check_of(value));
    (0..STAMP_BITS).map(move |bit| word & (1 << (STAMP_BITS - 1 - bit)) != 0)
}

/// Draws `value` (see [`stamp_millis`]) into an I420 picture's planes, chroma neutral under
/// the plate so that the cells read the same in any colour conversion.
pub fn draw(y: &mut [u8], u: &mut [u8], v: &mut [u8], width: u32, height: u32, value: u32) {
    let Some(layout) = StampLayout::for_size(width, height) else {
        return;
    };
    let w = width as usize;
    paint::plate(y, u, v, w, layout.plate());
    for (bit, lit) in bits_of(value).enumerate() {
        if lit {
            paint::ink_cell(y, w, layout.cell_origin(bit), layout.cell);
        }
    }
}

/// Reads the stamp back out of a luma plane of the size it was drawn at. `None` if the check
/// does not match (a cell misread, or no stamp there).
pub fn read(y: &[u8], y_stride: usize, width: u32, height: u32) -> Option<u32> {
    let layout = StampLayout::for_size(width, height)?;
    // The mean of each cell's central quarter: clear of the ringing at the cell's edges.
    let quarter = (layout.cell / 4).max(1);
    let mut word = 0u64;
    for bit in 0..STAMP_BITS {
        let (x, y0) = layout.cell_origin(bit);
        let (cx, cy) = (
            x + layout.cell / 2 - quarter / 2,
            y0 + layout.cell / 2 - quarter / 2,
        );
        let mut sum = 0u32;
        for row in cy..cy + quarter {
            let line = y.get(row * y_stride + cx..row * y_stride + cx + quarter)?;
            sum += line.iter().map(|&p| u32::from(p)).sum::<u32>();
        }
        word = (word << 1) | u64::from(sum / (quarter * quarter) as u32 > u32::from(THRESHOLD));
    }
    let value = (word >> CHECK_BITS) as u32;
    (check_of(value) == (word & 0xff) as u8).then_some(value)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::media::source::I420Buffer;

    #[test]
    fn the_stamp_reads_back_at_every_ladder_size() {
        for (w, h) in [(1280, 720), (960, 540), (640, 360), (480, 270), (320, 180)] {
            let mut picture = I420Buffer::new(w, h);
            picture.y.fill(120);
            for value in [0, 1, 0xdead_beef, u32::MAX, stamp_millis(SystemTime::now())] {
                let I420Buffer { y, u, v, .. } = &mut picture;
                draw(y, u, v, w, h, value);
                assert_eq!(read(&picture.y, w as usize, w, h), Some(value), "{w}x{h}");
            }
        }
    }

    #[test]
    fn a_misread_cell_is_refused_not_a_wrong_time() {
        let (w, h) = (640, 360);
        let mut picture = I420Buffer::new(w, h);
        let I420Buffer { y, u, v, .. } = &mut picture;
        draw(y, u, v, w, h, 0x0102_0304);
        // Flip the cell of the lowest time bit.
        let layout = StampLayout::for_size(w, h).unwrap();
        paint::ink_cell(
            &mut picture.y,
            w as usize,
            layout.cell_origin(TIME_BITS - 1),
            layout.cell,
        );
        assert_eq!(read(&picture.y, w as usize, w, h), None);
        // A picture without a stamp reads as nothing.
        assert_eq!(read(&vec![16; 640 * 360], 640, w, h), None);
    }

    #[test]
    fn the_time_is_milliseconds_since_the_epoch_wrapping_at_2_to_the_32() {
        let at = UNIX_EPOCH + Duration::from_millis((1u64 << 32) + 1234);
        assert_eq!(stamp_millis(at), 1234);
    }
}
