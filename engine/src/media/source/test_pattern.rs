//! A synthetic camera: colour bars, a moving box, a frame counter and, in pictures taken from
//! its clock, the capture time ([`super::clock_stamp`]).
//!
//! The bars make colour and chroma mistakes obvious, the box makes frozen video obvious, and
//! the counter, drawn in a blocky font that survives compression, lets a test read back which
//! frame a receiver decoded ([`read_frame_counter`]).

use std::time::{Duration, SystemTime};

use super::clock_stamp;
use super::paint::{self, THRESHOLD};
use super::{I420Buffer, Pacer, SourceError, VideoFrame, VideoSource};

/// 75 % colour bars in BT.601 limited range (Y, U, V): white, yellow, cyan, green, magenta,
/// red, blue, black.
const BARS: [(u8, u8, u8); 8] = [
    (180, 128, 128),
    (162, 44, 142),
    (131, 156, 44),
    (112, 72, 58),
    (84, 184, 198),
    (65, 100, 212),
    (35, 212, 114),
    (16, 128, 128),
];

/// An orange box: stands out against every bar.
const BOX: (u8, u8, u8) = (151, 61, 190);

const DIGITS: usize = 6;
const COUNTER_MODULO: u64 = 1_000_000;

/// 3x5 cell glyphs, one row per 3 bits (most significant bit leftmost), top row first.
/// Every pair of glyphs differs in at least one cell, so a misread is a `None`, never a wrong
/// number.
const FONT: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// Where the counter sits: a dark plate in the top-left corner, one cell of margin around it
/// and one cell between digits. Shared by drawing and reading so they cannot disagree.
#[derive(Debug, Clone, Copy)]
struct CounterLayout {
    /// Cell size in pixels.
    cell: usize,
    /// Top-left of the plate.
    x0: usize,
    y0: usize,
}

impl CounterLayout {
    const PLATE_CELLS_W: usize = DIGITS * 4 + 1;
    const PLATE_CELLS_H: usize = 7;

    fn for_size(width: u32, height: u32) -> Option<Self> {
        let (w, h) = (width as usize, height as usize);
        // Big enough to survive a 1 Mbit/s encode, small enough to leave the picture visible.
        let cell = (h / 48)
            .max(4)
            .min(w / (Self::PLATE_CELLS_W + 2))
            .min(h / (Self::PLATE_CELLS_H + 2));
        if cell < 2 {
            return None;
        }
        Some(Self {
            cell,
            x0: cell,
            y0: cell,
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

    /// Top-left pixel of glyph cell (`col`, `row`) of digit `digit`.
    fn cell_origin(&self, digit: usize, col: usize, row: usize) -> (usize, usize) {
        (
            self.x0 + self.cell * (1 + digit * 4 + col),
            self.y0 + self.cell * (1 + row),
        )
    }
}

/// Grain amplitude in luma steps: visible up close, far below the counter's ink/paper contrast.
const GRAIN_AMPLITUDE: i8 = 6;
const GRAIN_SLACK: usize = 4096;

// Every luma the grain lands on (the bars and the box) is at least GRAIN_AMPLITUDE away from
// 0 and 255, so adding it can never wrap: `render` adds it with a plain wrapping add, which
// compiles to one vector add (a saturating add of a signed value did not: 51 against 72 µs a
// 720p frame in `benches/encode`, same pictures).
const _: () = {
    let amplitude = GRAIN_AMPLITUDE as u8;
    let mut i = 0;
    while i <= BARS.len() {
        let luma = if i < BARS.len() { BARS[i].0 } else { BOX.0 };
        assert!(luma >= amplitude && luma <= u8::MAX - amplitude);
        i += 1;
    }
};

/// Uniform grain in ±[`GRAIN_AMPLITUDE`] from a fixed-seed linear congruential generator:
/// the same picture every run, no randomness needed.
fn grain(len: usize) -> Vec<i8> {
    let mut state: u32 = 0x2545_f491;
    let span = 2 * GRAIN_AMPLITUDE as u32 + 1;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((state >> 24) % span) as i8 - GRAIN_AMPLITUDE
        })
        .collect()
}

/// A [`VideoSource`] drawing colour bars, a bouncing box, sensor-like grain and the frame
/// number.
pub struct TestPattern {
    buffer: I420Buffer,
    /// One row of bars per plane, copied into every row of each frame.
    bar_row_y: Vec<u8>,
    bar_row_u: Vec<u8>,
    bar_row_v: Vec<u8>,
    counter: Option<CounterLayout>,
    /// Sensor-like grain added to the luma, `GRAIN_SLACK` bytes longer than a plane so that
    /// each frame reads it from a different offset.
    grain: Vec<i8>,
    /// Where the box's chroma was drawn in the buffer, `None` before the first frame.
    chroma_box: Option<paint::Rect>,
    frame_index: u64,
    interval: Duration,
    pacer: Pacer,
}

impl TestPattern {
    /// `width` and `height` must be even (I420); `fps` at least 1.
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        let (w, cw) = (width as usize, width as usize / 2);
        let bar_of =
            |x: usize, row_width: usize| BARS[(x * BARS.len() / row_width).min(BARS.len() - 1)];
        let interval = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
        Self {
            buffer: I420Buffer::new(width, height),
            bar_row_y: (0..w).map(|x| bar_of(x, w).0).collect(),
            bar_row_u: (0..cw).map(|x| bar_of(x, cw).1).collect(),
            bar_row_v: (0..cw).map(|x| bar_of(x, cw).2).collect(),
            counter: CounterLayout::for_size(width, height),
            grain: grain(w * height as usize + GRAIN_SLACK),
            chroma_box: None,
            frame_index: 0,
            interval,
            pacer: Pacer::new(interval),
        }
    }

    /// Draws frame number `index` into the internal buffer. Public for the benches and tests,
    /// which render without waiting for the frame clock.
    pub fn render(&mut self, index: u64) -> &I420Buffer {
        let (w, h) = (self.buffer.width as usize, self.buffer.height as usize);
        let cw = w / 2;

        // Grain that changes every frame, as a camera's sensor noise does. Without it the
        // pattern is so cheap to encode that rate control never uses its budget and the
        // bitrate ladder and congestion controller are never exercised; with it the encoder
        // fills whatever bitrate it is given, like with a real camera. The bars and their
        // grain are written in one pass: this runs 30 times a second on a 720p plane, and
        // a copy followed by a second read-modify-write pass cost twice the memory traffic.
        let grain = &self.grain[(index as usize).wrapping_mul(1031) % GRAIN_SLACK..];
        for (row, grain_row) in self.buffer.y.chunks_exact_mut(w).zip(grain.chunks_exact(w)) {
            for ((pixel, &bar), &g) in row.iter_mut().zip(&self.bar_row_y).zip(grain_row) {
                *pixel = bar.wrapping_add_signed(g);
            }
        }
        // Chroma has no grain: after the first frame only the box's last place goes back to
        // bars (the plates are drawn again below and by the clock stamp), not a third of a
        // plane's bytes rewritten each frame.
        match self.chroma_box.take() {
            Some(last) => {
                paint::restore_rect(&mut self.buffer.u, &self.bar_row_u, last);
                paint::restore_rect(&mut self.buffer.v, &self.bar_row_v, last);
            }
            None => {
                for row in self.buffer.u.chunks_exact_mut(cw) {
                    row.copy_from_slice(&self.bar_row_u);
                }
                for row in self.buffer.v.chunks_exact_mut(cw) {
                    row.copy_from_slice(&self.bar_row_v);
                }
            }
        }

        // The box bounces around the lower two thirds, 4 px a frame horizontally and 2 px
        // vertically, so motion is visible at any frame rate. Even coordinates keep luma and
        // chroma edges aligned. It carries the same grain as the bars around it.
        let size = (h / 6).max(2) & !1;
        let lane_top = h / 3;
        let travel_x = w.saturating_sub(size).max(1);
        let travel_y = h.saturating_sub(lane_top + size).max(1);
        let bounce = |pos: u64, travel: usize| {
            let period = 2 * travel as u64;
            let p = (pos % period) as usize;
            if p < travel { p } else { 2 * travel - p }
        };
        let bx = bounce(index * 4, travel_x) & !1;
        let by = (lane_top + bounce(index * 2, travel_y)) & !1;
        for row in by..(by + size).min(h) {
            let x_end = (bx + size).min(w);
            let (pixels, grain_row) = (
                &mut self.buffer.y[row * w + bx..row * w + x_end],
                &grain[row * w + bx..row * w + x_end],
            );
            for (pixel, &g) in pixels.iter_mut().zip(grain_row) {
                *pixel = BOX.0.wrapping_add_signed(g);
            }
        }
        let chroma_box = (bx / 2, by / 2, size / 2, size / 2);
        paint::fill_rect(&mut self.buffer.u, cw, chroma_box, BOX.1);
        paint::fill_rect(&mut self.buffer.v, cw, chroma_box, BOX.2);
        self.chroma_box = Some(chroma_box);

        if let Some(layout) = self.counter {
            let I420Buffer { y, u, v, .. } = &mut self.buffer;
            paint::plate(y, u, v, w, layout.plate());
            let mut value = index % COUNTER_MODULO;
            for digit in (0..DIGITS).rev() {
                let glyph = &FONT[(value % 10) as usize];
                value /= 10;
                for (row, bits) in glyph.iter().enumerate() {
                    for col in 0..3 {
                        if bits & (0b100 >> col) != 0 {
                            paint::ink_cell(y, w, layout.cell_origin(digit, col, row), layout.cell);
                        }
                    }
                }
            }
        }
        debug_assert!(h / 2 * cw == self.buffer.u.len());
        &self.buffer
    }
}

impl VideoSource for TestPattern {
    fn frame_interval(&self) -> Duration {
        self.interval
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<VideoFrame<'_>>, SourceError> {
        let Some(captured_at) = self.pacer.wait(timeout) else {
            return Ok(None);
        };
        let index = self.frame_index;
        self.frame_index += 1;
        self.render(index);
        // The wall-clock time of capture, for a receiver to measure glass-to-glass latency.
        let (w, h) = (self.buffer.width, self.buffer.height);
        let now = clock_stamp::stamp_millis(SystemTime::now());
        let I420Buffer { y, u, v, .. } = &mut self.buffer;
        clock_stamp::draw(y, u, v, w, h, now);
        Ok(Some(self.buffer.frame(captured_at)))
    }
}

/// Reads the frame counter back out of a luma plane drawn by [`TestPattern`] of the same size,
/// decoded or not. `None` if any digit is unreadable.
///
/// Each cell is judged by the mean of its central quarter, which stays on the right side of
/// the threshold through ordinary H.264 ringing at the cell edges.
pub fn read_frame_counter(y: &[u8], y_stride: usize, width: u32, height: u32) -> Option<u32> {
    let layout = CounterLayout::for_size(width, height)?;
    let quarter = (layout.cell / 4).max(1);
    let lit = |x: usize, y0: usize| -> Option<bool> {
        let (cx, cy) = (
            x + layout.cell / 2 - quarter / 2,
            y0 + layout.cell / 2 - quarter / 2,
        );
        let mut sum = 0u32;
        for row in cy..cy + quarter {
            let line = y.get(row * y_stride..row * y_stride + cx + quarter)?;
            sum += line[cx..].iter().map(|&p| u32::from(p)).sum::<u32>();
        }
        Some(sum / (quarter * quarter) as u32 > u32::from(THRESHOLD))
    };
    let mut value = 0u32;
    for digit in 0..DIGITS {
        let mut glyph = [0u8; 5];
        for (row, bits) in glyph.iter_mut().enumerate() {
            for col in 0..3 {
                let (x, y0) = layout.cell_origin(digit, col, row);
                if lit(x, y0)? {
                    *bits |= 0b100 >> col;
                }
            }
        }
        let d = FONT.iter().position(|g| *g == glyph)?;
        value = value * 10 + d as u32;
    }
    Some(value)
}

/// The luma PSNR of `decoded` against `source`, planes of the same size compared sample by
/// sample: how close a decoded picture came to the pattern drawn. Identical planes have no
/// finite PSNR; 99 dB stands for "the same".
pub fn luma_psnr(decoded: &[u8], source: &[u8]) -> f64 {
    debug_assert_eq!(decoded.len(), source.len(), "planes of different sizes");
    let squared: u64 = decoded
        .iter()
        .zip(source)
        .map(|(&a, &b)| u64::from(a.abs_diff(b)).pow(2))
        .sum();
    if squared == 0 {
        return 99.0;
    }
    let mse = squared as f64 / decoded.len().min(source.len()) as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_is_the_mean_squared_error_in_decibels() {
        assert_eq!(luma_psnr(&[7; 16], &[7; 16]), 99.0);
        // Every sample off by one: MSE 1, 20 log10(255) dB.
        let off_by_one = luma_psnr(&[8; 16], &[7; 16]);
        assert!((off_by_one - 48.13).abs() < 0.01, "{off_by_one}");
        // Off by two on half the samples: MSE 2, 3 dB less.
        let half = luma_psnr(&[9, 7, 9, 7], &[7; 4]);
        assert!((off_by_one - half - 3.01).abs() < 0.01, "{half}");
    }

    #[test]
    fn the_counter_reads_back_and_changes_every_frame() {
        let mut pattern = TestPattern::new(640, 480, 30);
        let first = pattern.render(41).clone();
        let second = pattern.render(42).clone();
        assert_eq!(read_frame_counter(&first.y, 640, 640, 480), Some(41));
        assert_eq!(read_frame_counter(&second.y, 640, 640, 480), Some(42));

        // The digits themselves differ, not just the moving box.
        let layout = CounterLayout::for_size(640, 480).unwrap();
        let (px, py, pw, ph) = layout.plate();
        let plate = |buf: &I420Buffer| -> Vec<u8> {
            (py..py + ph)
                .flat_map(|r| buf.y[r * 640 + px..r * 640 + px + pw].to_vec())
                .collect()
        };
        assert_ne!(plate(&first), plate(&second));
    }

    #[test]
    fn every_digit_round_trips_at_small_and_large_sizes() {
        for (w, h) in [(160, 120), (320, 240), (1280, 720)] {
            let mut pattern = TestPattern::new(w, h, 30);
            for n in [0u64, 123_456, 789_012, 999_999, 1_000_003] {
                let frame = pattern.render(n);
                assert_eq!(
                    read_frame_counter(&frame.y, w as usize, w, h),
                    Some((n % COUNTER_MODULO) as u32),
                    "{w}x{h} frame {n}"
                );
            }
        }
    }

    #[test]
    fn the_box_moves() {
        let mut pattern = TestPattern::new(320, 240, 30);
        // Chroma: the grain is luma only, so a difference here is the box.
        let a = pattern.render(10).u.clone();
        let b = pattern.render(11).u.clone();
        let counter_rows = 240 / 48 * 8 / 2;
        assert_ne!(a[counter_rows * 160..], b[counter_rows * 160..]);
    }

    #[test]
    fn a_frame_is_the_same_whatever_was_drawn_before() {
        // `render` repaints only where the box was; a picture must not keep a trace of it
        // (nor of a frame far away, as a bench jumping between frame numbers draws).
        let fresh = |n| TestPattern::new(320, 240, 30).render(n).clone();
        let mut running = TestPattern::new(320, 240, 30);
        for n in [0, 1, 2, 3, 40, 7, 500, 501] {
            let drawn = running.render(n).clone();
            let expected = fresh(n);
            assert!(
                drawn.u == expected.u && drawn.v == expected.v,
                "chroma of frame {n}"
            );
            assert!(drawn.y == expected.y, "luma of frame {n}");
        }
    }

    #[test]
    fn grain_changes_every_frame_and_stays_faint() {
        let mut pattern = TestPattern::new(320, 240, 30);
        let a = pattern.render(10).y.clone();
        let b = pattern.render(10).y.clone();
        assert_eq!(a, b, "the same frame number draws the same picture");
        let c = pattern.render(11).y.clone();
        // Top right: the black bar in every frame, under the grain.
        let corner = |y: &[u8]| y[10 * 320 + 300];
        let differing = (0..40)
            .filter(|&r| a[r * 320 + 300] != c[r * 320 + 300])
            .count();
        assert!(differing > 20, "grain moves between frames");
        assert!(
            corner(&a).abs_diff(16) <= GRAIN_AMPLITUDE as u8,
            "black stays black"
        );
    }

    #[test]
    fn next_frame_paces_and_numbers_frames() {
        let mut pattern = TestPattern::new(160, 120, 50);
        let t0 = pattern
            .next_frame(Duration::from_millis(100))
            .unwrap()
            .unwrap()
            .captured_at;
        let frame = loop {
            if let Some(frame) = pattern.next_frame(Duration::from_millis(100)).unwrap() {
                break frame;
            }
        };
        assert_eq!(frame.captured_at - t0, Duration::from_millis(20));
        assert_eq!(
            read_frame_counter(frame.y, frame.y_stride, 160, 120),
            Some(1)
        );
    }
}
