//! Which database a test server runs on: a fresh SQLite file in the test's directory, or,
//! when `LENS_TEST_DATABASE_URL` names a PostgreSQL server (`make test` starts one, see
//! `tests/pg.sh`), a fresh database created on it for this test alone.

use std::path::Path;

use sqlx::{Connection, Executor};

pub const TEST_DATABASE_ENV: &str = "LENS_TEST_DATABASE_URL";

/// A database URL nobody else uses; `file` names the SQLite file inside `dir`.
pub async fn fresh_database_url(dir: &Path, file: &str) -> String {
    match std::env::var(TEST_DATABASE_ENV) {
        Ok(base) if !base.is_empty() => fresh_postgres_database(&base).await,
        _ => format!("sqlite://{}?mode=rwc", dir.join(file).display()),
    }
}

/// True when the tests run against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(TEST_DATABASE_ENV).is_ok_and(|base| !base.is_empty())
}

async fn fresh_postgres_database(base: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("lens_test_{}", lens_server::tokens::random_id());
    let mut admin = sqlx::AnyConnection::connect(base)
        .await
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_ENV}={base} does not answer: {e}"));
    // The name is ours (hex digits), not input, so formatting it into the statement is safe.
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("creating the test database");
    admin.close().await.ok();
    let mut url = url::Url::parse(base).expect("a database URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}
