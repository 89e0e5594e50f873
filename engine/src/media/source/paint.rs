//! Drawing on I420 planes: what the synthetic camera's frame counter and capture-time stamp
//! both draw with, so that they stay readable in the same way.

/// Luma of a lit cell.
pub(super) const INK: u8 = 235;
/// Luma of the plate behind the cells.
pub(super) const PAPER: u8 = 16;
/// Halfway between [`INK`] and [`PAPER`]: a cell whose mean is above it is lit.
pub(super) const THRESHOLD: u8 = ((INK as u16 + PAPER as u16) / 2) as u8;

/// A rectangle in luma pixels: left, top, width, height.
pub(super) type Rect = (usize, usize, usize, usize);

/// Fills a rectangle of one plane, clipped to the plane.
pub(super) fn fill_rect(plane: &mut [u8], stride: usize, (x, y, w, h): Rect, value: u8) {
    let rows = plane.len() / stride;
    let x_end = (x + w).min(stride);
    if x >= x_end {
        return;
    }
    for row in y..(y + h).min(rows) {
        plane[row * stride + x..row * stride + x_end].fill(value);
    }
}

/// Copies `rect` of `row` (one row of a plane's background) into every row of `rect` of the
/// plane, clipped to the plane: what lies under a shape that moved away.
pub(super) fn restore_rect(plane: &mut [u8], row: &[u8], (x, y, w, h): Rect) {
    let stride = row.len();
    let rows = plane.len() / stride;
    let x_end = (x + w).min(stride);
    if x >= x_end {
        return;
    }
    for r in y..(y + h).min(rows) {
        plane[r * stride + x..r * stride + x_end].copy_from_slice(&row[x..x_end]);
    }
}

/// Paints a dark plate over `rect` of an I420 picture `width` pixels wide, with neutral
/// chroma, so that cells drawn on it read the same whatever colour conversion a receiver uses.
pub(super) fn plate(y: &mut [u8], u: &mut [u8], v: &mut [u8], width: usize, rect: Rect) {
    let (px, py, pw, ph) = rect;
    fill_rect(y, width, rect, PAPER);
    let chroma = (px / 2, py / 2, pw.div_ceil(2), ph.div_ceil(2));
    fill_rect(u, width / 2, chroma, 128);
    fill_rect(v, width / 2, chroma, 128);
}

/// Paints a `cell`-pixel square of [`INK`] with its top-left corner at (`x`, `y`).
pub(super) fn ink_cell(y_plane: &mut [u8], width: usize, (x, y): (usize, usize), cell: usize) {
    fill_rect(y_plane, width, (x, y, cell, cell), INK);
}
