//! The database: SQLite (embedded, one file, WAL) by default, PostgreSQL when the URL says
//! `postgres://`. Both go through one `sqlx::AnyPool` and the same migrations, and the clock
//! the stored times are measured with lives here too.
//!
//! All the server's SQL is in this module and its children: the rest of the server names
//! the pool as [`Db`] and calls the functions here, one per statement or per transaction
//! (a caller never holds a transaction itself). The SQL is portable: `$1, $2 …`
//! placeholders, INTEGER/BIGINT/TEXT columns, row fields of type i64, f64, String,
//! Vec<u8>, bool (and Option of those), which is what `sqlx::Any` decodes on both drivers.

pub mod api_keys;
pub mod groups;
pub mod handoffs;
pub mod invitations;
pub mod logins;
pub mod pins;
pub mod session_log;
pub mod sessions;
pub mod technicians;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

/// The connection pool every query goes through.
pub type Db = AnyPool;

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(database_url: &str) -> anyhow::Result<Backend> {
        if database_url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL {:?}: use sqlite://path or postgres://…",
                redact(database_url)
            )
        }
    }
}

/// PRAGMAs every SQLite connection gets (they are per connection, hence `after_connect`):
/// WAL lets the console's reads go on while a join or a status change writes; NORMAL
/// synchronous is safe with WAL (a power cut can lose the last commits, never corrupt the
/// file); foreign keys are off by default in SQLite; SQLite has one writer, and waiting
/// briefly beats failing a request with SQLITE_BUSY.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                              PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// Opens (creating if needed) the database and brings its schema up to date.
pub async fn open(database_url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(database_url)?;
    let shown = redact(database_url);
    // sqlx logs statements at debug level by default (their text, never bound values), so
    // PINs stay out of info-level logs.
    // SQLite creates a missing file only in mode=rwc; an embedded database should just appear.
    let database_url = &match backend {
        Backend::Sqlite if !database_url.contains("mode=") => {
            let separator = if database_url.contains('?') { '&' } else { '?' };
            format!("{database_url}{separator}mode=rwc")
        }
        _ => database_url.to_owned(),
    };
    let options: AnyConnectOptions = database_url
        .parse()
        .with_context(|| format!("invalid database URL {shown:?}"))?;
    let pool_options = match backend {
        Backend::Sqlite => {
            if let Some(path) = sqlite_file(database_url) {
                prepare_sqlite_file(path)?;
            }
            let in_memory =
                database_url.contains(":memory:") || database_url.contains("mode=memory");
            AnyPoolOptions::new()
                // Every connection to an in-memory database is a separate, empty database,
                // so there is exactly one, and it is never closed for idleness.
                .max_connections(if in_memory { 1 } else { 4 })
                .min_connections(u32::from(in_memory))
                .idle_timeout(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(1800))
                })
                .after_connect(|connection, _| {
                    Box::pin(async move {
                        connection.execute(SQLITE_PRAGMAS).await?;
                        Ok(())
                    })
                })
        }
        // PostgreSQL serves many writers; the pool is what bounds the server's share.
        Backend::Postgres => AnyPoolOptions::new().max_connections(16),
    };
    let pool = pool_options
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {shown:?}"))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("migrating the database")?;
    Ok(pool)
}

/// Checks that a database answers (used by tests and `lens-server` start-up messages).
pub async fn ping(db: &Db) -> anyhow::Result<()> {
    let mut connection = db.acquire().await?;
    connection.ping().await?;
    Ok(())
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(database_url: &str) -> String {
    match url::Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => database_url.to_owned(),
    }
}

/// True when an error is a violated UNIQUE constraint or index, on either engine.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// The file a SQLite URL names; None for an in-memory database.
fn sqlite_file(database_url: &str) -> Option<&Path> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| Path::new(path))
}

/// SQLite creates the file but not its directory (`.lens/lens.db` needs `.lens/`). The
/// database holds password hashes, live PINs, names and logs, so on Unix its directory is
/// made 0700 and its files 0600 (issue 9, finding 10).
fn prepare_sqlite_file(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_files::create_dir(parent)
            .with_context(|| format!("creating the database directory {}", parent.display()))?;
    }
    private_files::lock_down(path)
        .with_context(|| format!("making the database {} private", path.display()))
}

#[cfg(unix)]
mod private_files {
    use std::fs::{self, DirBuilder, OpenOptions, Permissions};
    use std::io::ErrorKind;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    const DIR_MODE: u32 = 0o700;
    const FILE_MODE: u32 = 0o600;
    /// The files SQLite keeps next to the database.
    const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

    pub fn create_dir(dir: &Path) -> std::io::Result<()> {
        DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
    }

    /// Creates the database file 0600 before SQLite would create it with the umask's 0644
    /// (SQLite then gives the -wal and -shm files it creates the database file's mode), and
    /// tightens the files and directory an older version left readable.
    pub fn lock_down(path: &Path) -> std::io::Result<()> {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(path)
        {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
        for companion in COMPANIONS {
            let mut name = path.as_os_str().to_owned();
            name.push(companion);
            restrict(Path::new(&name), FILE_MODE)?;
        }
        restrict(path, FILE_MODE)?;
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && holds_only_the_database(dir, path)?
        {
            restrict(dir, DIR_MODE)?;
        }
        Ok(())
    }

    /// Takes every permission of group and others away from an existing file. A file of
    /// another user (chmod is refused) is only warned about: the server can still use it.
    fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        if metadata.permissions().mode() & 0o777 == mode {
            return Ok(());
        }
        match fs::set_permissions(path, Permissions::from_mode(mode)) {
            Err(error) if error.kind() == ErrorKind::PermissionDenied => {
                tracing::warn!(path = %path.display(), "cannot make the database private: {error}");
                Ok(())
            }
            other => other,
        }
    }

    /// An existing directory is tightened only when it is the database's own: a database
    /// put straight into a shared directory (`/tmp`, a home directory) must not lock
    /// others out of it; its files are private anyway.
    fn holds_only_the_database(dir: &Path, path: &Path) -> std::io::Result<bool> {
        let Some(name) = path.file_name() else {
            return Ok(false);
        };
        let name = name.as_encoded_bytes();
        for entry in fs::read_dir(dir)? {
            if !entry?.file_name().as_encoded_bytes().starts_with(name) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// File modes are a Unix matter; elsewhere the directory is just created.
#[cfg(not(unix))]
mod private_files {
    use std::path::Path;

    pub fn create_dir(dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    pub fn lock_down(_path: &Path) -> std::io::Result<()> {
        Ok(())
    }
}

/// Now, in Unix milliseconds: the unit of every stored time and of the protocol's
/// `created_at`.
pub fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

pub fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_and_redaction() {
        assert_eq!(Backend::of_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/d").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::of_url("mysql://u@h/d").is_err());
        assert_eq!(redact("postgres://u:secret@h/d"), "postgres://u:***@h/d");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
