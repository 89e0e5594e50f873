//! The SQLite database: opening it (WAL, foreign keys, migrations) and the clock the stored
//! times are measured with.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::SqlitePool;
/// The connection pool every query goes through. Code outside this module names `Db`, never a
/// driver's pool type, and writes portable SQL (`$1` placeholders, no driver-specific types),
/// so that the store can run on SQLite or PostgreSQL.
pub type Db = SqlitePool;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Opens (creating if needed) the database and brings its schema up to date.
pub async fn open(database_url: &str) -> anyhow::Result<Db> {
    create_parent_dir(database_url)?;
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid database URL {database_url:?}"))?
        .create_if_missing(true)
        // WAL lets the console's reads go on while a join or a status change writes.
        .journal_mode(SqliteJournalMode::Wal)
        // Safe with WAL (a power cut can lose the last commits, never corrupt the file).
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // SQLite has one writer; waiting briefly beats failing a request with SQLITE_BUSY.
        .busy_timeout(Duration::from_secs(5));
    let in_memory = database_url.contains(":memory:") || database_url.contains("mode=memory");
    let pool = SqlitePoolOptions::new()
        // Every connection to an in-memory database is a separate, empty database.
        .max_connections(if in_memory { 1 } else { 4 })
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {database_url:?}"))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("migrating the database")?;
    Ok(pool)
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
