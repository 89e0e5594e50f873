//! `--screenshot-dir DIR` (`LENS_SCREENSHOT_DIR`): a PNG of every screen the window shows,
//! as painted (`desktop-01-tutorial.png`, `desktop-02-permissions.png`, …), through egui's
//! own screenshot of the window.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use eframe::egui::{ColorImage, Context};

/// How long a screenshot may take before the window stops waiting for it (a driver that
/// cannot read its pixels back must not freeze the app).
const GIVE_UP_AFTER: Duration = Duration::from_secs(3);

pub struct Screenshots {
    dir: PathBuf,
    taken: u32,
    /// Set while a screenshot is requested and not yet saved.
    pending: Arc<AtomicBool>,
    requested_at: Option<Instant>,
}

impl Screenshots {
    pub fn new(dir: &Path) -> io::Result<Screenshots> {
        fs::create_dir_all(dir)?;
        Ok(Screenshots {
            dir: dir.to_owned(),
            taken: 0,
            pending: Arc::new(AtomicBool::new(false)),
            requested_at: None,
        })
    }

    /// egui paints the screenshot one frame after it is asked for: until it is saved, the
    /// window keeps drawing the screen it is of, so that every screen, even one shown for
    /// a few milliseconds, is in the picture named after it.
    pub fn busy(&mut self) -> bool {
        if !self.pending.load(Ordering::Acquire) {
            return false;
        }
        if self
            .requested_at
            .is_some_and(|at| at.elapsed() > GIVE_UP_AFTER)
        {
            tracing::warn!("screenshot: none came within {GIVE_UP_AFTER:?}; going on without");
            self.pending.store(false, Ordering::Release);
            return false;
        }
        true
    }

    /// Asks for a screenshot of the screen `name` as drawn in this frame.
    pub fn take(&mut self, ctx: &Context, name: &str) {
        self.taken += 1;
        let path = self
            .dir
            .join(format!("desktop-{:02}-{name}.png", self.taken));
        self.pending.store(true, Ordering::Release);
        self.requested_at = Some(Instant::now());
        let pending = self.pending.clone();
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            if let Err(e) = save_png(&path, &image) {
                tracing::warn!("screenshot {}: {e}", path.display());
            }
            pending.store(false, Ordering::Release);
            // Whatever screen waited for this one can be drawn now.
            repaint.request_repaint();
        });
        ctx.request_repaint();
    }
}

fn save_png(path: &Path, image: &ColorImage) -> io::Result<()> {
    let [width, height] = image.size;
    let too_large = |_| io::Error::other("the window is too large for a PNG");
    let mut encoder = png::Encoder::new(
        BufWriter::new(File::create(path)?),
        u32::try_from(width).map_err(too_large)?,
        u32::try_from(height).map_err(too_large)?,
    );
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(io::Error::other)?;
    writer
        .write_image_data(image.as_raw())
        .map_err(io::Error::other)?;
    writer.finish().map_err(io::Error::other)
}
