//! Whether the customer saw the tutorial (the app model's `Effect::SaveTutorialSeen`): a
//! small file next to the licence record (`eula_file.rs`), so that one `--eula-store`
//! directory holds everything the app remembers.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The marker's name in the licence record's directory.
const FILE_NAME: &str = "tutorial-seen";

#[derive(Debug, Clone)]
pub struct TutorialFile {
    path: PathBuf,
}

impl TutorialFile {
    /// The marker beside the licence record at `eula_path`.
    pub fn beside(eula_path: &Path) -> TutorialFile {
        let directory = eula_path.parent().unwrap_or(Path::new("."));
        TutorialFile {
            path: directory.join(FILE_NAME),
        }
    }

    /// Seen on an earlier start. An unreadable location counts as not seen: the customer
    /// sees the short tutorial once more, which is harmless.
    pub fn seen(&self) -> bool {
        self.path.is_file()
    }

    /// Remembers it. Only the file's existence counts, so a half-written file is still a
    /// marker and needs no atomic replace.
    pub fn save(&self) -> io::Result<()> {
        if let Some(directory) = self.path.parent() {
            fs::create_dir_all(directory)?;
        }
        fs::write(&self.path, "The Lens tutorial was shown.\n")
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_after_saving_and_on_the_next_start() {
        let dir = std::env::temp_dir().join(format!("lens-tutorial-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let eula = dir.join("lens").join("eula.json");
        let tutorial = TutorialFile::beside(&eula);
        assert_eq!(tutorial.path(), dir.join("lens").join("tutorial-seen"));
        assert!(!tutorial.seen());
        tutorial.save().unwrap();
        assert!(TutorialFile::beside(&eula).seen());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unwritable_location_is_an_error() {
        let dir = std::env::temp_dir().join(format!("lens-tutorial-ro-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // A regular file where the directory should be.
        fs::write(dir.join("lens"), b"").unwrap();
        let tutorial = TutorialFile::beside(&dir.join("lens").join("eula.json"));
        assert!(tutorial.save().is_err());
        assert!(!tutorial.seen());
        fs::remove_dir_all(&dir).unwrap();
    }
}
