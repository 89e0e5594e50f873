//! Writes the synthetic camera (colour bars, moving box, grain, frame counter) as a Y4M file,
//! so that the side-by-side benchmark can give Chromium's fake camera
//! (`--use-file-for-fake-video-capture`) exactly the pictures `lens join` encodes: same
//! size, rate and content, hence the same work for both encoders.
//!
//! ```text
//! test_pattern_y4m OUT.y4m [WIDTH HEIGHT FPS FRAMES]    # defaults: 1280 720 30 150
//! ```
//!
//! Chromium plays the file in a loop; 150 frames (5 s, about 200 MB at 720p) keep the seam
//! rare. Y4M is one text header line, then `FRAME\n` and the raw I420 planes per picture.

use std::fs::File;
use std::io::{BufWriter, Write};

use lens_engine::media::source::TestPattern;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: test_pattern_y4m OUT.y4m [WIDTH HEIGHT FPS FRAMES]");
        std::process::exit(2);
    };
    let number = |i: usize, default: u32| -> u32 {
        args.get(i).map_or(default, |s| {
            s.parse().unwrap_or_else(|_| {
                eprintln!("not a number: {s}");
                std::process::exit(2)
            })
        })
    };
    let (width, height, fps, frames) = (
        number(1, 1280),
        number(2, 720),
        number(3, 30),
        number(4, 150),
    );

    let mut file = BufWriter::new(File::create(out)?);
    // C420mpeg2 is what the pattern is: 4:2:0, BT.601 limited range, chroma co-sited left.
    writeln!(
        file,
        "YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420mpeg2"
    )?;
    let mut pattern = TestPattern::new(width, height, fps);
    for index in 0..u64::from(frames) {
        let picture = pattern.render(index);
        file.write_all(b"FRAME\n")?;
        file.write_all(&picture.y)?;
        file.write_all(&picture.u)?;
        file.write_all(&picture.v)?;
    }
    file.flush()
}
