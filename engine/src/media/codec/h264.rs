//! H.264 encoding with openh264, kept consistent with what the SDP offers.
//!
//! # Profile and level
//!
//! The offer says `profile-level-id=42e01f`: profile_idc 66 (Baseline) with constraint_set0,
//! 1 and 2 set, which RFC 6184 reads as *Constrained Baseline*, level 3.1. Every receiver we
//! test accepts exactly this fmtp.
//!
//! openh264 configured for Baseline at level 3.1 writes an SPS of `42 c0 1f`: the same
//! profile and level, but without constraint_set2 (the "also conforms to Main" flag).
//! openh264 has no option for that flag, so [`H264Encoder`] sets it in the SPS it emits.
//! That is truthful: Constrained Baseline is by definition the subset of Baseline that Main
//! decoders accept (no FMO, ASO or redundant slices, which openh264 never produces), and the
//! bit touches no other syntax (see [`mark_main_compatible`]). The bitstream then announces
//! `42e01f`, byte for byte what the SDP says, and the `sps_says_what_the_sdp_offers` test
//! parses an encoded SPS to keep it that way.

use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};
use openh264::Timestamp;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, Level,
    Profile, RateControlMode, UsageType, VuiConfig,
};
use openh264::formats::YUVSource;

use crate::media::error::MediaError;
use crate::media::source::VideoFrame;

/// The fmtp line offered for H.264. packetization-mode=1 is required by aiortc and Chromium;
/// level-asymmetry-allowed lets a receiver answer with its own level.
pub const H264_FMTP: &str =
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

/// The three profile-level-id bytes of [`H264_FMTP`], as they appear in the SPS.
pub const PROFILE_LEVEL_ID: [u8; 3] = [0x42, 0xe0, 0x1f];

const NAL_TYPE_IDR: u8 = 5;
const NAL_TYPE_SPS: u8 = 7;
const NAL_TYPE_PPS: u8 = 8;

/// What the encoder is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct H264Settings {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate_bps: u32,
}

/// One encoded picture: an Annex B access unit (start codes included, which is what the
/// webrtc-rs H.264 payloader splits on).
#[derive(Debug, Clone)]
pub struct EncodedVideo {
    pub data: Bytes,
    /// An IDR picture, preceded by SPS and PPS.
    pub keyframe: bool,
}

/// openh264 wrapped for real-time sending: Constrained Baseline, level 3.1, bitrate rate
/// control, and keyframes only at start or on request.
pub struct H264Encoder {
    inner: Encoder,
    settings: H264Settings,
    origin: Option<Instant>,
    warned_level: bool,
}

impl H264Encoder {
    pub fn new(settings: H264Settings) -> Result<Self, MediaError> {
        let config = EncoderConfig::new()
            .usage_type(UsageType::CameraVideoRealTime)
            .profile(Profile::Baseline)
            .level(Level::Level_3_1)
            .rate_control_mode(RateControlMode::Bitrate)
            .bitrate(BitRate::from_bps(settings.bitrate_bps))
            .max_frame_rate(FrameRate::from_hz(settings.fps as f32))
            // Rate control may drop a frame rather than overshoot; the receiver just shows the
            // previous one a little longer.
            .skip_frames(true)
            // No periodic IDR and no scene-change IDR: every keyframe is one somebody asked for
            // (the first frame, PLI/FIR, recovery after a dropped frame). Keyframes are 5 to 10
            // times the size of a P frame, so unrequested ones are wasted uplink.
            .intra_frame_period(IntraFramePeriod::from_num_frames(0))
            .scene_change_detect(false)
            // Adaptive quantisation and background detection are openh264's per-macroblock
            // analyses before encoding; off, a 720p frame costs less CPU at the same PSNR
            // (`tests/bench/side-by-side.mjs`, which scores the decoded pictures).
            .adaptive_quantization(false)
            .background_detection(false)
            // One thread: about 2 ms a VGA frame already, and the other core belongs to the
            // rest of the app (and, on test machines, to other builds).
            .num_threads(1)
            .complexity(Complexity::Low)
            // The crate keeps openh264's deblocking filter on, and so do we: off, a frame
            // costs 17 % less at a PSNR no lower, but the block edges show (DEVELOPERS.md,
            // "openh264's in-loop deblocking filter").
            // Every picture the engine encodes is BT.601 limited range (the cameras' and the
            // shells' frames are converted to it, and the test pattern is drawn in it). Said
            // in the SPS, because a receiver guesses otherwise: Chromium converts an HD
            // stream that says nothing with BT.709, and the customer's colours came out off.
            .vui(VuiConfig::bt601());
        let inner = Encoder::with_api_config(openh264::OpenH264API::from_source(), config)
            .map_err(|e| MediaError::VideoEncoder(format!("cannot create encoder: {e}")))?;
        Ok(Self {
            inner,
            settings,
            origin: None,
            warned_level: false,
        })
    }

    /// What the encoder was created with, the bitrate as last set.
    pub fn settings(&self) -> H264Settings {
        self.settings
    }

    /// Changes the rate control's target without restarting the encoder (no keyframe): the
    /// congestion controller moves it several times a second.
    ///
    /// openh264 also keeps a maximum bitrate, which the crate sets to the bitrate the encoder
    /// was created with, and it refuses any target above that maximum. So the maximum moves
    /// with the target: raised before a higher target, lowered after a lower one. Keeping the
    /// two equal is what creation does too, so rate control caps the output at the target
    /// (which the ladder already keeps within the rung's ceiling) whichever way it moved.
    pub fn set_bitrate(&mut self, bitrate_bps: u32) -> Result<(), MediaError> {
        if self.origin.is_none() {
            // openh264 initialises on the first frame, from the config the crate keeps: it
            // refuses options before that. Recreate with the new rate instead.
            *self = Self::new(H264Settings {
                bitrate_bps,
                ..self.settings
            })?;
            return Ok(());
        }
        let up = bitrate_bps > self.settings.bitrate_bps;
        let options = if up {
            [
                openh264_sys2::ENCODER_OPTION_MAX_BITRATE,
                openh264_sys2::ENCODER_OPTION_BITRATE,
            ]
        } else {
            [
                openh264_sys2::ENCODER_OPTION_BITRATE,
                openh264_sys2::ENCODER_OPTION_MAX_BITRATE,
            ]
        };
        for option in options {
            let mut info = openh264_sys2::SBitrateInfo {
                // The one spatial layer: SPATIAL_LAYER_ALL would set the total maximum, not
                // the layer's that rate control reads.
                iLayer: openh264_sys2::SPATIAL_LAYER_0,
                iBitrate: i32::try_from(bitrate_bps).unwrap_or(i32::MAX),
            };
            // SAFETY: both options take a pointer to an SBitrateInfo that lives for the call;
            // the encoder is initialised (a frame was encoded). The bitrates are parameters
            // the crate's wrapper does not rely on after initialisation.
            let rc = unsafe {
                self.inner
                    .raw_api()
                    .set_option(option, (&raw mut info).cast())
            };
            if rc != 0 {
                return Err(MediaError::VideoEncoder(format!(
                    "openh264 refused bitrate {bitrate_bps}: error {rc}"
                )));
            }
        }
        self.settings.bitrate_bps = bitrate_bps;
        Ok(())
    }

    /// The target and maximum bitrate openh264's rate control works with right now, read
    /// back from the encoder itself (`None` before the first frame initialises it).
    pub fn encoder_bitrates(&mut self) -> Option<(u32, u32)> {
        self.origin?;
        let mut read = |option| {
            let mut info = openh264_sys2::SBitrateInfo {
                iLayer: openh264_sys2::SPATIAL_LAYER_0,
                iBitrate: 0,
            };
            // SAFETY: as in `set_bitrate`; GetOption writes into the SBitrateInfo.
            let rc = unsafe {
                self.inner
                    .raw_api()
                    .get_option(option, (&raw mut info).cast())
            };
            (rc == 0).then(|| u32::try_from(info.iBitrate).unwrap_or(0))
        };
        Some((
            read(openh264_sys2::ENCODER_OPTION_BITRATE)?,
            read(openh264_sys2::ENCODER_OPTION_MAX_BITRATE)?,
        ))
    }

    /// The picture size this encoder takes.
    pub fn size(&self) -> (u32, u32) {
        (self.settings.width, self.settings.height)
    }

    /// A new encoder with the same settings for another picture size (a pushed camera that
    /// rotated or switched). Its first frame is a keyframe.
    pub fn resized(&self, width: u32, height: u32) -> Result<Self, MediaError> {
        Self::new(H264Settings {
            width,
            height,
            ..self.settings
        })
    }

    /// Makes the next encoded picture an IDR (with SPS and PPS in front).
    pub fn force_keyframe(&mut self) {
        self.inner.force_intra_frame();
    }

    /// Encodes one picture. `None` when rate control skipped it.
    pub fn encode(&mut self, frame: &VideoFrame<'_>) -> Result<Option<EncodedVideo>, MediaError> {
        let origin = *self.origin.get_or_insert(frame.captured_at);
        let millis = frame
            .captured_at
            .saturating_duration_since(origin)
            .as_millis() as u64;
        let bitstream = self
            .inner
            .encode_at(frame, Timestamp::from_millis(millis))
            .map_err(|e| MediaError::VideoEncoder(format!("encode failed: {e}")))?;
        let keyframe = match bitstream.frame_type() {
            FrameType::Skip | FrameType::Invalid => return Ok(None),
            frame_type => frame_type == FrameType::IDR,
        };

        // Sized exactly, then frozen: the one allocation per frame, handed to webrtc-rs
        // without another copy.
        let mut total = 0;
        for l in 0..bitstream.num_layers() {
            let layer = bitstream.layer(l).expect("layer index within num_layers");
            for n in 0..layer.nal_count() {
                total += layer.nal_unit(n).map_or(0, <[u8]>::len);
            }
        }
        if total == 0 {
            return Ok(None);
        }
        let mut out = BytesMut::with_capacity(total);
        for l in 0..bitstream.num_layers() {
            let layer = bitstream.layer(l).expect("layer index within num_layers");
            for n in 0..layer.nal_count() {
                if let Some(nal) = layer.nal_unit(n) {
                    let start = out.len();
                    out.put_slice(nal);
                    mark_main_compatible(&mut out[start..]);
                }
            }
        }

        if keyframe
            && !self.warned_level
            && let Some(id) = sps_profile_level_id(&out)
            && id[2] > PROFILE_LEVEL_ID[2]
        {
            self.warned_level = true;
            tracing::warn!(
                level_idc = id[2],
                "openh264 raised the H.264 level above the 3.1 the SDP offers; the picture is too \
                 large or too fast for level 3.1"
            );
        }
        Ok(Some(EncodedVideo {
            data: out.freeze(),
            keyframe,
        }))
    }
}

impl YUVSource for VideoFrame<'_> {
    fn dimensions(&self) -> (usize, usize) {
        (self.width as usize, self.height as usize)
    }

    fn strides(&self) -> (usize, usize, usize) {
        (self.y_stride, self.uv_stride, self.uv_stride)
    }

    fn y(&self) -> &[u8] {
        self.y
    }

    fn u(&self) -> &[u8] {
        self.u
    }

    fn v(&self) -> &[u8] {
        self.v
    }
}

/// Sets constraint_set2_flag in an SPS NAL unit (with or without its start code) that says
/// Constrained Baseline (profile_idc 66 with constraint_set1), turning `42 c0 xx` into
/// `42 e0 xx`. Anything else is left alone.
///
/// Safe to do in place: the flags byte directly follows profile_idc (0x42, never zero), so
/// no emulation-prevention byte can sit in front of it, and setting a bit in a non-zero byte
/// cannot create a `00 00 0x` sequence that would need one.
pub fn mark_main_compatible(nal: &mut [u8]) {
    let header = start_code_len(nal);
    if nal.len() < header + 4 || nal[header] & 0x1f != NAL_TYPE_SPS {
        return;
    }
    let (profile_idc, flags) = (nal[header + 1], &mut nal[header + 2]);
    if profile_idc == 66 && *flags & 0x40 != 0 {
        *flags |= 0x20;
    }
}

/// Length of the Annex B start code at the front of `data` (0 if none).
fn start_code_len(data: &[u8]) -> usize {
    match data {
        [0, 0, 0, 1, ..] => 4,
        [0, 0, 1, ..] => 3,
        _ => 0,
    }
}

/// Splits an Annex B byte stream into NAL units, start codes removed.
pub fn nal_units(stream: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let begin = find_start_code(rest)?;
        let after = &rest[begin..];
        let body = &after[start_code_len(after)..];
        let end = find_start_code(body).unwrap_or(body.len());
        rest = &body[end..];
        Some(&body[..end])
    })
}

/// Index of the first start code, counting the leading zero of a 4-byte one as part of it.
fn find_start_code(data: &[u8]) -> Option<usize> {
    let at = data.windows(3).position(|w| w == [0, 0, 1])?;
    Some(if at > 0 && data[at - 1] == 0 {
        at - 1
    } else {
        at
    })
}

/// The NAL unit type of each unit of an Annex B access unit.
pub fn nal_types(access_unit: &[u8]) -> impl Iterator<Item = u8> + '_ {
    nal_units(access_unit).filter_map(|nal| nal.first().map(|h| h & 0x1f))
}

/// Whether an access unit holds an IDR slice.
pub fn is_keyframe(access_unit: &[u8]) -> bool {
    nal_types(access_unit).any(|t| t == NAL_TYPE_IDR)
}

/// Whether SPS and PPS come before the first IDR slice of an access unit.
pub fn has_parameter_sets_before_idr(access_unit: &[u8]) -> bool {
    let (mut sps, mut pps) = (false, false);
    for t in nal_types(access_unit) {
        match t {
            NAL_TYPE_SPS => sps = true,
            NAL_TYPE_PPS => pps = true,
            NAL_TYPE_IDR => return sps && pps,
            _ => {}
        }
    }
    false
}

/// profile_idc, the constraint flags and level_idc of the first SPS in an Annex B stream:
/// the three bytes an SDP `profile-level-id` names.
pub fn sps_profile_level_id(stream: &[u8]) -> Option<[u8; 3]> {
    nal_units(stream)
        .find(|nal| nal.first().is_some_and(|h| h & 0x1f == NAL_TYPE_SPS))
        .and_then(|sps| sps.get(1..4))
        .map(|b| [b[0], b[1], b[2]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::source::TestPattern;
    use std::time::Duration;

    fn encoder(width: u32, height: u32) -> H264Encoder {
        H264Encoder::new(H264Settings {
            width,
            height,
            fps: 30,
            bitrate_bps: 1_500_000,
        })
        .unwrap()
    }

    /// Parses the encoded SPS, not a constant: if openh264's output or the fixup changes, this
    /// fails before a browser does.
    #[test]
    fn sps_says_what_the_sdp_offers() {
        let mut enc = encoder(640, 480);
        let mut pattern = TestPattern::new(640, 480, 30);
        let frame = pattern.render(0).frame(Instant::now());
        let first = enc.encode(&frame).unwrap().expect("first frame encoded");
        assert!(first.keyframe);
        assert_eq!(sps_profile_level_id(&first.data), Some(PROFILE_LEVEL_ID));
        assert!(H264_FMTP.contains("profile-level-id=42e01f"));
        assert!(H264_FMTP.contains("packetization-mode=1"));
    }

    #[test]
    fn every_keyframe_carries_sps_and_pps_and_only_requested_ones_happen() {
        let mut enc = encoder(320, 240);
        let mut pattern = TestPattern::new(320, 240, 30);
        let t0 = Instant::now();
        let mut keyframes = Vec::new();
        for i in 0..60u64 {
            if i == 40 {
                enc.force_keyframe();
            }
            let frame = pattern.render(i).frame(t0 + Duration::from_millis(33 * i));
            let Some(out) = enc.encode(&frame).unwrap() else {
                continue;
            };
            assert_eq!(out.keyframe, is_keyframe(&out.data), "frame {i}");
            if out.keyframe {
                assert!(
                    has_parameter_sets_before_idr(&out.data),
                    "frame {i} lacks SPS/PPS"
                );
                assert_eq!(sps_profile_level_id(&out.data), Some(PROFILE_LEVEL_ID));
                keyframes.push(i);
            }
        }
        assert_eq!(keyframes, vec![0, 40]);
    }

    #[test]
    fn the_fixup_only_touches_constrained_baseline_sps() {
        let mut sps = [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0xaa];
        mark_main_compatible(&mut sps);
        assert_eq!(sps[5..8], [0x42, 0xe0, 0x1f]);

        let mut high = [0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xaa];
        mark_main_compatible(&mut high);
        assert_eq!(high[4..7], [0x64, 0x00, 0x1f]);

        let mut slice = [0, 0, 0, 1, 0x65, 0x42, 0xc0, 0x1f];
        mark_main_compatible(&mut slice);
        assert_eq!(slice[6], 0xc0);
    }

    #[test]
    fn nal_units_strip_start_codes() {
        let stream = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5,
        ];
        let units: Vec<&[u8]> = nal_units(&stream).collect();
        assert_eq!(
            units,
            vec![&[0x67, 1, 2][..], &[0x68, 3][..], &[0x65, 4, 5][..]]
        );
    }
}
