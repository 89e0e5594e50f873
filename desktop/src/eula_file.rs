//! The desktop's [`EulaStore`]: one small file, replaced atomically.
//!
//! A crash or power cut halfway through a save must leave either the old record or the
//! new one, never half of each: the new text goes to a temporary file in the same
//! directory, is flushed to disk, and is then renamed over the old file (a rename within
//! one file system is atomic). Even so, anything unreadable only means the customer is
//! asked again (see `lens_core::eula::stored_acceptance`).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use lens_core::eula::{EulaStore, EulaStoreError};

/// A real record is about sixty bytes; anything much larger is not ours, and is not
/// worth reading into memory.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// Distinguishes temporary files of concurrent saves within one process (the process id
/// distinguishes processes).
static SAVE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The acceptance record in a file, by default `$XDG_CONFIG_HOME/lens/eula.json`.
#[derive(Debug, Clone)]
pub struct EulaFile {
    path: PathBuf,
}

impl EulaFile {
    pub fn new(path: impl Into<PathBuf>) -> EulaFile {
        EulaFile { path: path.into() }
    }

    /// `$XDG_CONFIG_HOME/lens/eula.json`, else `$HOME/.config/lens/eula.json`.
    pub fn default_path() -> Option<PathBuf> {
        default_path_from(
            std::env::var_os("XDG_CONFIG_HOME"),
            std::env::var_os("HOME"),
        )
    }

    fn write_atomically(&self, data: &str) -> io::Result<()> {
        let directory = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        fs::create_dir_all(directory)?;
        let file_name = self.path.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the EULA record path names no file",
            )
        })?;
        let mut temp_name = OsString::from(".");
        temp_name.push(file_name);
        temp_name.push(format!(
            ".{}.{}.tmp",
            std::process::id(),
            SAVE_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let temp_path = directory.join(temp_name);

        let result = (|| {
            // create_new: never write through a file (or symlink) someone left at that name.
            let mut temp = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp_path)?;
            temp.write_all(data.as_bytes())?;
            temp.sync_all()?;
            drop(temp);
            fs::rename(&temp_path, &self.path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp_path);
        }
        result?;
        sync_directory(directory)
    }
}

/// The rename itself lives in the directory; without this a power cut could undo it.
#[cfg(unix)]
fn sync_directory(directory: &Path) -> io::Result<()> {
    File::open(directory)?.sync_all()
}

// Windows cannot open a directory as a file; its rename is journalled by NTFS instead.
#[cfg(not(unix))]
fn sync_directory(_: &Path) -> io::Result<()> {
    Ok(())
}

/// Separate from the environment so that tests need not change process-wide variables.
fn default_path_from(xdg_config_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    let config = xdg_config_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(config.join("lens").join("eula.json"))
}

fn storage_error(action: &str, path: &Path, error: io::Error) -> EulaStoreError {
    EulaStoreError::Storage {
        reason: format!("cannot {action} {}: {error}", path.display()),
    }
}

impl EulaStore for EulaFile {
    fn load(&self) -> Result<Option<String>, EulaStoreError> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(storage_error("open", &self.path, e)),
        };
        let mut data = String::new();
        file.take(MAX_RECORD_BYTES + 1)
            .read_to_string(&mut data)
            .map_err(|e| storage_error("read", &self.path, e))?;
        if data.len() as u64 > MAX_RECORD_BYTES {
            let too_large = io::Error::new(io::ErrorKind::InvalidData, "file is too large");
            return Err(storage_error("read", &self.path, too_large));
        }
        Ok(Some(data))
    }

    fn save(&self, data: String) -> Result<(), EulaStoreError> {
        self.write_atomically(&data)
            .map_err(|e| storage_error("write", &self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use lens_core::eula::{EulaRecord, is_accepted, save_acceptance, stored_acceptance};
    use lens_core::signal::Eula;

    use super::*;

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(label: &str) -> TempDir {
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let unique = format!(
                "lens-eula-{label}-{}-{nanos}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let path = std::env::temp_dir().join(unique);
            fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_missing_file_is_nothing_stored() {
        let dir = TempDir::new("missing");
        let store = EulaFile::new(dir.0.join("eula.json"));
        assert_eq!(store.load(), Ok(None));
    }

    #[test]
    fn save_then_load_creating_the_directory() {
        let dir = TempDir::new("round-trip");
        let store = EulaFile::new(dir.0.join("lens").join("eula.json"));
        store.save("first".into()).unwrap();
        store.save("second".into()).unwrap();
        assert_eq!(store.load(), Ok(Some("second".into())));
        // The temporary files were renamed away, not left behind.
        assert_eq!(entries(&dir.0.join("lens")), ["eula.json"]);
    }

    #[test]
    fn acceptance_survives_a_restart() {
        let dir = TempDir::new("restart");
        let path = dir.0.join("eula.json");
        let eula = Eula {
            version: "2024-01".into(),
            text: "Be nice.".into(),
        };
        save_acceptance(
            &EulaFile::new(&path),
            &EulaRecord::accepting(&eula, 1_700_000_000_000),
        )
        .unwrap();
        let reopened = EulaFile::new(&path);
        assert!(is_accepted(stored_acceptance(&reopened).as_ref(), &eula));
    }

    #[test]
    fn a_corrupt_file_is_not_consent() {
        let dir = TempDir::new("corrupt");
        let path = dir.0.join("eula.json");
        fs::write(&path, b"{\"version\":\"2024-01\",\"accepted_at").unwrap();
        assert_eq!(stored_acceptance(&EulaFile::new(&path)), None);
        fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert!(EulaFile::new(&path).load().is_err());
        assert_eq!(stored_acceptance(&EulaFile::new(&path)), None);
    }

    #[test]
    fn an_oversized_file_is_refused() {
        let dir = TempDir::new("oversized");
        let path = dir.0.join("eula.json");
        fs::write(&path, " ".repeat(MAX_RECORD_BYTES as usize + 1)).unwrap();
        assert!(EulaFile::new(&path).load().is_err());
    }

    #[test]
    fn an_unwritable_location_is_an_error_not_a_panic() {
        let dir = TempDir::new("unwritable");
        // A regular file where the directory should be.
        let blocker = dir.0.join("lens");
        fs::write(&blocker, b"").unwrap();
        let store = EulaFile::new(blocker.join("eula.json"));
        assert!(matches!(
            store.save("x".into()),
            Err(EulaStoreError::Storage { .. })
        ));
        assert!(store.load().is_err());
    }

    // Absolute paths look different on Windows.
    #[cfg(unix)]
    #[test]
    fn default_path_follows_xdg_then_home() {
        let xdg = Some(OsString::from("/xdg"));
        let home = Some(OsString::from("/home/ana"));
        assert_eq!(
            default_path_from(xdg, home.clone()),
            Some(PathBuf::from("/xdg/lens/eula.json"))
        );
        assert_eq!(
            default_path_from(None, home.clone()),
            Some(PathBuf::from("/home/ana/.config/lens/eula.json"))
        );
        // A relative or empty XDG_CONFIG_HOME is ignored, as the spec says.
        assert_eq!(
            default_path_from(Some("relative".into()), home.clone()),
            Some(PathBuf::from("/home/ana/.config/lens/eula.json"))
        );
        assert_eq!(
            default_path_from(Some("".into()), home),
            Some(PathBuf::from("/home/ana/.config/lens/eula.json"))
        );
        assert_eq!(default_path_from(None, None), None);
        assert_eq!(default_path_from(None, Some("".into())), None);
    }
}
