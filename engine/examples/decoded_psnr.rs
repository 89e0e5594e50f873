//! The luma PSNR of pictures a receiver decoded, against the synthetic camera's own pictures,
//! for `tests/bench/side-by-side.mjs`: how good the pictures Lens and Chromium sent looked.
//!
//! ```text
//! decoded_psnr FILE WIDTH HEIGHT
//! ```
//!
//! FILE holds raw 8-bit luma planes of WIDTH x HEIGHT, one after another (the bench converts
//! what Chromium presented back to BT.601 limited-range luma). Each is identified by its frame
//! counter, that frame is drawn again ([`TestPattern::render`]: the bars, box and grain
//! depend only on the frame number) and the two are compared above the capture-time stamp's
//! plate, the one part of a live picture that `render` does not draw (a picture from a Y4M
//! file has no stamp; the same rows are left out of both, so the figures compare).
//!
//! Prints one line per picture, then `psnr: mean X dB, min Y dB over N pictures (M not
//! identified)`.

use lens_engine::media::source::clock_stamp::StampLayout;
use lens_engine::media::source::{TestPattern, luma_psnr, read_frame_counter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, width, height] = args.as_slice() else {
        eprintln!("usage: decoded_psnr FILE WIDTH HEIGHT");
        std::process::exit(2);
    };
    let (width, height): (u32, u32) = (width.parse()?, height.parse()?);
    let planes = std::fs::read(file)?;
    let size = (width * height) as usize;
    let rows = StampLayout::for_size(width, height).map_or(height as usize, |s| s.y0);
    let compared = rows * width as usize;

    let mut pattern = TestPattern::new(width, height, 30);
    let mut scores = Vec::new();
    let mut unidentified = 0;
    for decoded in planes.chunks_exact(size) {
        let Some(index) = read_frame_counter(decoded, width as usize, width, height) else {
            unidentified += 1;
            continue;
        };
        let source = &pattern.render(u64::from(index)).y;
        let psnr = luma_psnr(&decoded[..compared], &source[..compared]);
        println!("frame {index}: {psnr:.2} dB");
        scores.push(psnr);
    }
    if scores.is_empty() {
        return Err(format!("no picture identified of {unidentified}").into());
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "psnr: mean {mean:.2} dB, min {min:.2} dB over {} pictures ({unidentified} not identified)",
        scores.len()
    );
    Ok(())
}
