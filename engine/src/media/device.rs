//! The customer's own camera and microphone on a desktop: listing them, picking one by name
//! or index, and the typed reasons one cannot be used.
//!
//! A device that fails does not fail the session: [`MediaSession`](super::MediaSession) goes
//! on with the track that still works and reports a [`PeerEvent::DeviceProblem`]
//! (super::PeerEvent::DeviceProblem), which core forwards to the technician.

pub use lens_core::signal::{Device, DeviceProblem};

/// Why a camera or microphone cannot be used; `detail` is the system's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", problem.describe(*device))]
pub struct DeviceError {
    pub device: Device,
    pub problem: DeviceProblem,
    pub detail: String,
}

impl DeviceError {
    pub(crate) fn new(device: Device, problem: DeviceProblem, detail: impl Into<String>) -> Self {
        Self {
            device,
            problem,
            detail: detail.into(),
        }
    }
}

/// One device as `lens join --list-devices` shows it; `--camera`/`--mic` take the index or
/// the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub index: u32,
    pub name: String,
}

/// Every camera and microphone this build can capture from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceList {
    pub cameras: Vec<DeviceInfo>,
    pub microphones: Vec<DeviceInfo>,
    /// Why a kind of device could not be listed (no V4L2, no sound server, feature off).
    pub problems: Vec<String>,
}

/// Picks from `names` (in the system's order): `None` takes the first; a number is an index;
/// otherwise an exact name, else the only name containing it (case-insensitive).
pub fn select(names: &[String], wanted: Option<&str>) -> Result<usize, String> {
    let Some(wanted) = wanted.map(str::trim) else {
        return if names.is_empty() {
            Err("there is none".into())
        } else {
            Ok(0)
        };
    };
    if let Ok(index) = wanted.parse::<usize>() {
        return if index < names.len() {
            Ok(index)
        } else {
            Err(format!(
                "there is no device {index} (found {})",
                names.len()
            ))
        };
    }
    if let Some(exact) = names.iter().position(|n| n == wanted) {
        return Ok(exact);
    }
    let needle = wanted.to_lowercase();
    let matches: Vec<usize> = (0..names.len())
        .filter(|&i| names[i].to_lowercase().contains(&needle))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no device is called {wanted:?} (found: {})",
            names.join(", ")
        )),
        _ => Err(format!(
            "{wanted:?} matches several devices: {}",
            matches
                .iter()
                .map(|&i| names[i].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        [
            "default",
            "Built-in Audio Analog Stereo",
            "USB Headset Mono",
            "USB Webcam Mic",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn devices_are_picked_by_index_name_or_unique_part_of_the_name() {
        assert_eq!(select(&names(), None), Ok(0));
        assert_eq!(select(&names(), Some("2")), Ok(2));
        assert_eq!(select(&names(), Some("default")), Ok(0));
        assert_eq!(select(&names(), Some("headset")), Ok(2));
        assert!(
            select(&names(), Some("usb"))
                .unwrap_err()
                .contains("several")
        );
        assert!(
            select(&names(), Some("9"))
                .unwrap_err()
                .contains("no device 9")
        );
        assert!(
            select(&names(), Some("Bluetooth"))
                .unwrap_err()
                .contains("Bluetooth")
        );
        assert_eq!(select(&[], None), Err("there is none".into()));
    }

    #[test]
    fn the_error_says_what_the_technician_reads() {
        let e = DeviceError::new(
            Device::Camera,
            DeviceProblem::Busy,
            "Device or resource busy",
        );
        assert_eq!(
            e.to_string(),
            "The customer's camera is in use by another program: Device or resource busy"
        );
    }
}
