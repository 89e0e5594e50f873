//! The database: SQLite (embedded, one file, WAL) by default, PostgreSQL when the URL says
//! `postgres://`. Both go through one `sqlx::AnyPool` and the same migrations, and the clock
//! the stored times are measured with lives here too.
//!
//! Code outside this module names the pool only as [`Db`] and writes portable SQL: `$1, $2 …`
//! placeholders, INTEGER/BIGINT/TEXT columns, row fields of type i64, f64, String, Vec<u8>,
//! bool (and Option of those), which is what `sqlx::Any` decodes on both drivers.

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
            create_parent_dir(database_url)?;
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

/// SQLite creates the file but not its directory; `.lens/lens.db` needs `.lens/`.
fn create_parent_dir(database_url: &str) -> anyhow::Result<()> {
    let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the database directory {}", parent.display()))?;
    }
    Ok(())
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
