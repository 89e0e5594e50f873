//! The desktop's camera through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media
//! Foundation on Windows).
//!
//! Format negotiation asks for the configured size and rate in one of the formats this
//! module converts (MJPEG, YUYV, NV12) and takes what the camera offers closest to it; the
//! encoder is then built for the size the camera actually delivers.
//!
//! A capture thread owns the camera (nokhwa's camera is not `Send` on every backend, and its
//! frame read blocks until the next frame): it converts each frame to I420 and leaves it in a
//! one-frame mailbox. The encoder thread takes the newest picture from there, so a slow
//! encoder skips frames instead of queueing them, and stopping never waits on a stalled
//! camera.
//!
//! Conversions use libraries: `zune-jpeg` decodes MJPEG, the `yuv` crate's SIMD kernels turn
//! RGB and YUYV into I420. NV12 to I420 is a plain copy of Y and a split of the interleaved
//! chroma, which the `yuv` crate has no kernel for; the compiler vectorises the split.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use nokhwa::{Camera as NokhwaCamera, NokhwaError};
use yuv::{
    BufferStoreMut, YuvConversionMode, YuvPackedImage, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use super::{I420Buffer, SourceError, VideoFrame, VideoSource};
use crate::media::device::{Device, DeviceError, DeviceInfo, DeviceProblem, select};

/// The formats this module converts, in order of preference when equally close: MJPEG is what
/// USB cameras deliver at 720p30 (raw YUYV at that size exceeds USB 2.0).
const CONVERTIBLE: &[FrameFormat] = &[FrameFormat::MJPEG, FrameFormat::YUYV, FrameFormat::NV12];

/// What the capture thread and the encoder thread share.
struct Mailbox {
    slot: Mutex<Slot>,
    ready: Condvar,
    stop: AtomicBool,
}

struct Slot {
    /// The newest converted picture not yet taken, with its capture time.
    fresh: Option<(I420Buffer, Instant)>,
    /// The buffer the encoder thread finished with, for the next conversion.
    returned: Option<I420Buffer>,
    /// Set when the camera stopped delivering (unplugged, revoked).
    failed: Option<String>,
}

/// A [`VideoSource`] capturing from a camera.
pub struct Camera {
    mailbox: Arc<Mailbox>,
    /// The picture lent out by the last `next_frame`; swapped with the mailbox's, so the
    /// steady state allocates nothing.
    current: I420Buffer,
    interval: Duration,
    name: String,
}

/// What the camera agreed to deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

impl Camera {
    /// Opens the camera `wanted` names (see [`select`]; `None` is the first) and starts
    /// capturing at the format nearest `width`x`height` at `fps`.
    pub fn open(
        wanted: Option<&str>,
        width: u32,
        height: u32,
        fps: u32,
    ) -> Result<Self, DeviceError> {
        let cameras = list()?;
        let names: Vec<String> = cameras.iter().map(|c| c.name.clone()).collect();
        let chosen = select(&names, wanted).map_err(|e| {
            DeviceError::new(
                Device::Camera,
                DeviceProblem::Missing,
                format!("camera: {e}"),
            )
        })?;
        let index = cameras[chosen].index;
        let name = cameras[chosen].name.clone();

        let mailbox = Arc::new(Mailbox {
            slot: Mutex::new(Slot {
                fresh: None,
                returned: None,
                failed: None,
            }),
            ready: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let thread_mailbox = Arc::clone(&mailbox);
        std::thread::Builder::new()
            .name("lens-camera".into())
            .spawn(move || {
                let mut camera = match open_stream(index, width, height, fps) {
                    Ok(opened) => opened,
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                let format = camera.camera_format();
                let _ = ready_tx.send(Ok(format));
                capture_loop(&mut camera, format, &thread_mailbox);
                let _ = camera.stop_stream();
            })
            .map_err(|e| {
                DeviceError::new(
                    Device::Camera,
                    DeviceProblem::Unusable,
                    format!("capture thread: {e}"),
                )
            })?;
        let format = ready_rx.recv().map_err(|_| {
            DeviceError::new(
                Device::Camera,
                DeviceProblem::Unusable,
                "the capture thread ended",
            )
        })??;
        let negotiated = negotiated(format);
        tracing::info!(camera = %name, ?negotiated, format = %format.format(), "capturing the camera");
        Ok(Self {
            mailbox,
            current: I420Buffer::new(negotiated.width, negotiated.height),
            interval: Duration::from_secs(1) / negotiated.fps.max(1),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size and rate the camera delivers (the encoder must use these).
    pub fn negotiated(&self) -> Negotiated {
        Negotiated {
            width: self.current.width,
            height: self.current.height,
            fps: (Duration::from_secs(1).as_nanos() / self.interval.as_nanos().max(1)) as u32,
        }
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        // The capture thread notices after its current frame read and closes the camera.
        self.mailbox.stop.store(true, Ordering::Release);
    }
}

impl VideoSource for Camera {
    fn frame_interval(&self) -> Duration {
        self.interval
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<VideoFrame<'_>>, SourceError> {
        let poisoned = || SourceError("the camera's mailbox is poisoned".into());
        let mut slot = self.mailbox.slot.lock().map_err(|_| poisoned())?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((picture, captured_at)) = slot.fresh.take() {
                // The picture lent out last time goes back for the next conversion.
                slot.returned = Some(std::mem::replace(&mut self.current, picture));
                return Ok(Some(self.current.frame(captured_at)));
            }
            if let Some(reason) = &slot.failed {
                return Err(SourceError(format!("camera {}: {reason}", self.name)));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            slot = self
                .mailbox
                .ready
                .wait_timeout(slot, deadline - now)
                .map_err(|_| poisoned())?
                .0;
        }
    }
}

/// The cameras nokhwa sees, in the system's order.
pub fn list() -> Result<Vec<DeviceInfo>, DeviceError> {
    let cameras = nokhwa::query(ApiBackend::Auto).map_err(|e| classify(&e))?;
    Ok(cameras
        .iter()
        .enumerate()
        .map(|(position, info)| DeviceInfo {
            index: match info.index() {
                CameraIndex::Index(i) => *i,
                CameraIndex::String(_) => position as u32,
            },
            name: info.human_name(),
        })
        .collect())
}

fn open_stream(index: u32, width: u32, height: u32, fps: u32) -> Result<NokhwaCamera, DeviceError> {
    let wanted = CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, fps);
    let request = RequestedFormat::with_formats(RequestedFormatType::Closest(wanted), CONVERTIBLE);
    let mut camera =
        NokhwaCamera::new(CameraIndex::Index(index), request).map_err(|e| classify(&e))?;
    camera.open_stream().map_err(|e| classify(&e))?;
    let format = camera.camera_format();
    if !CONVERTIBLE.contains(&format.format()) {
        return Err(DeviceError::new(
            Device::Camera,
            DeviceProblem::Unusable,
            format!(
                "the camera delivers {}, which Lens cannot convert",
                format.format()
            ),
        ));
    }
    Ok(camera)
}

fn negotiated(format: CameraFormat) -> Negotiated {
    // I420 and the encoder need even sizes; an odd column or row is cropped.
    Negotiated {
        width: format.resolution().width() & !1,
        height: format.resolution().height() & !1,
        fps: format.frame_rate().max(1),
    }
}

fn capture_loop(camera: &mut NokhwaCamera, format: CameraFormat, mailbox: &Mailbox) {
    let size = negotiated(format);
    let (full_width, full_height) = (format.resolution().width(), format.resolution().height());
    let mut converter = Converter::default();
    let mut spare = I420Buffer::new(size.width, size.height);
    let mut failures = 0u32;
    while !mailbox.stop.load(Ordering::Acquire) {
        let raw: Cow<'_, [u8]> = match camera.frame_raw() {
            Ok(raw) => raw,
            Err(error) => {
                // One bad read happens (a corrupt USB transfer); many in a row mean the
                // camera is gone.
                failures += 1;
                if failures < 10 {
                    continue;
                }
                let mut slot = mailbox.slot.lock().expect("camera mailbox");
                slot.failed = Some(error.to_string());
                mailbox.ready.notify_all();
                return;
            }
        };
        let captured_at = Instant::now();
        if let Err(error) =
            converter.to_i420(format.format(), &raw, full_width, full_height, &mut spare)
        {
            failures += 1;
            tracing::debug!(%error, "dropping an undecodable camera frame");
            continue;
        }
        failures = 0;
        let Ok(mut slot) = mailbox.slot.lock() else {
            return;
        };
        // Replace any picture the encoder has not taken: it only ever wants the newest.
        let previous = slot.fresh.replace((spare, captured_at));
        mailbox.ready.notify_one();
        spare = previous
            .map(|(buffer, _)| buffer)
            .or_else(|| slot.returned.take())
            .unwrap_or_else(|| I420Buffer::new(size.width, size.height));
    }
}

/// Reusable scratch space for the conversions.
#[derive(Default)]
pub struct Converter {
    rgb: Vec<u8>,
}

impl Converter {
    /// Converts one camera frame of `width`x`height` (as delivered, possibly odd) into `out`,
    /// whose size is the even size below it.
    pub fn to_i420(
        &mut self,
        format: FrameFormat,
        raw: &[u8],
        width: u32,
        height: u32,
        out: &mut I420Buffer,
    ) -> Result<(), String> {
        let (w, h) = (out.width, out.height);
        let mut planar = YuvPlanarImageMut {
            y_plane: BufferStoreMut::Borrowed(&mut out.y),
            y_stride: w,
            u_plane: BufferStoreMut::Borrowed(&mut out.u),
            u_stride: w / 2,
            v_plane: BufferStoreMut::Borrowed(&mut out.v),
            v_stride: w / 2,
            width: w,
            height: h,
        };
        match format {
            FrameFormat::YUYV => {
                let stride = width * 2;
                check_len(raw, stride as usize * height as usize)?;
                let packed = YuvPackedImage {
                    yuy: raw,
                    yuy_stride: stride,
                    width: w,
                    height: h,
                };
                yuv::yuyv422_to_yuv420(&mut planar, &packed).map_err(|e| e.to_string())
            }
            FrameFormat::NV12 => {
                let (wu, hu) = (width as usize, height as usize);
                check_len(raw, wu * hu + wu * hu.div_ceil(2))?;
                let (luma, chroma) = raw.split_at(wu * hu);
                for row in 0..h as usize {
                    out.y[row * w as usize..(row + 1) * w as usize]
                        .copy_from_slice(&luma[row * wu..row * wu + w as usize]);
                }
                let half = w as usize / 2;
                for row in 0..h as usize / 2 {
                    let src = &chroma[row * wu..row * wu + half * 2];
                    let u = &mut out.u[row * half..(row + 1) * half];
                    let v = &mut out.v[row * half..(row + 1) * half];
                    for ((pair, u), v) in src.chunks_exact(2).zip(u).zip(v) {
                        *u = pair[0];
                        *v = pair[1];
                    }
                }
                Ok(())
            }
            FrameFormat::MJPEG => {
                let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
                let mut decoder = JpegDecoder::new_with_options(ZCursor::new(raw), options);
                decoder.decode_headers().map_err(|e| e.to_string())?;
                let info = decoder.info().ok_or("a JPEG without a header")?;
                let (jw, jh) = (u32::from(info.width), u32::from(info.height));
                if jw < w || jh < h {
                    return Err(format!("a {jw}x{jh} JPEG in a {w}x{h} stream"));
                }
                let size = decoder
                    .output_buffer_size()
                    .ok_or("a JPEG without a size")?;
                self.rgb.resize(size, 0);
                decoder
                    .decode_into(&mut self.rgb)
                    .map_err(|e| e.to_string())?;
                yuv::rgb_to_yuv420(
                    &mut planar,
                    &self.rgb,
                    jw * 3,
                    YuvRange::Limited,
                    YuvStandardMatrix::Bt601,
                    YuvConversionMode::Balanced,
                )
                .map_err(|e| e.to_string())
            }
            other => Err(format!("{other} is not converted")),
        }
    }
}

fn check_len(raw: &[u8], want: usize) -> Result<(), String> {
    if raw.len() < want {
        return Err(format!("a frame of {} bytes, expected {want}", raw.len()));
    }
    Ok(())
}

/// nokhwa's errors as the technician will read them.
fn classify(error: &NokhwaError) -> DeviceError {
    let text = error.to_string();
    let lower = text.to_lowercase();
    let problem = if lower.contains("busy") {
        DeviceProblem::Busy
    } else if lower.contains("permission")
        || lower.contains("denied")
        || lower.contains("not authorized")
    {
        DeviceProblem::PermissionDenied
    } else if lower.contains("no such") || lower.contains("not found") {
        DeviceProblem::Missing
    } else {
        DeviceProblem::Unusable
    };
    DeviceError::new(Device::Camera, problem, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4x2 picture whose left half is one colour and right half another, in each format.
    #[test]
    fn yuyv_and_nv12_become_the_same_i420() {
        // Y: 10 20 30 40 / 50 60 70 80; U 100/110, V 200/210 per 2-pixel column pair.
        let yuyv = [
            10, 100, 20, 200, 30, 110, 40, 210, //
            50, 100, 60, 200, 70, 110, 80, 210,
        ];
        let nv12 = [10, 20, 30, 40, 50, 60, 70, 80, 100, 200, 110, 210];
        let mut converter = Converter::default();
        let mut from_yuyv = I420Buffer::new(4, 2);
        let mut from_nv12 = I420Buffer::new(4, 2);
        converter
            .to_i420(FrameFormat::YUYV, &yuyv, 4, 2, &mut from_yuyv)
            .unwrap();
        converter
            .to_i420(FrameFormat::NV12, &nv12, 4, 2, &mut from_nv12)
            .unwrap();
        for picture in [&from_yuyv, &from_nv12] {
            assert_eq!(picture.y, [10, 20, 30, 40, 50, 60, 70, 80]);
            assert_eq!(picture.u, [100, 110]);
            assert_eq!(picture.v, [200, 210]);
        }
    }

    #[test]
    fn a_short_frame_is_an_error_not_a_panic() {
        let mut converter = Converter::default();
        let mut out = I420Buffer::new(4, 2);
        assert!(
            converter
                .to_i420(FrameFormat::YUYV, &[0; 8], 4, 2, &mut out)
                .is_err()
        );
        assert!(
            converter
                .to_i420(FrameFormat::NV12, &[0; 8], 4, 2, &mut out)
                .is_err()
        );
        assert!(
            converter
                .to_i420(FrameFormat::MJPEG, &[0xFF, 0xD8, 0], 4, 2, &mut out)
                .is_err()
        );
    }
}
