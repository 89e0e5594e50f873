//! Finding 10: the SQLite database (password hashes, live PINs, names, session logs) was
//! created 0644 in a 0755 directory: every local user could copy it. PostgreSQL keeps its
//! files itself, so these tests only apply to SQLite.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::TestServer;
use crate::common::database::on_postgres;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The database file and the companions SQLite keeps next to it in WAL mode.
fn database_files(database: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

/// What another local user could do: read a file or list the directory.
fn assert_private(database: &Path) {
    let dir = database.parent().unwrap();
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for file in database_files(database) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

/// A server with live data in it: Tess signed in and a PIN waiting for a customer.
async fn store_a_live_pin(lens: &TestServer) {
    lens.tess().await.new_pin("Sam Customer").await;
}

#[tokio::test]
async fn other_local_users_cannot_read_the_database_or_its_directory() {
    if on_postgres() {
        eprintln!("skipped: the database is PostgreSQL, whose files the server does not create");
        return;
    }
    // A directory the server has to create, as `.lens/` on a first `serve`.
    let lens = TestServer::start_with(|config| {
        config.database_url = config.database_url.replace("/lens.db?", "/data/lens.db?");
    })
    .await;
    store_a_live_pin(&lens).await;
    assert_private(&lens.dir.join("data/lens.db"));
}

#[tokio::test]
async fn a_database_left_readable_by_an_older_version_is_made_private_at_start() {
    if on_postgres() {
        eprintln!("skipped: the database is PostgreSQL, whose files the server does not create");
        return;
    }
    let first = TestServer::start().await;
    store_a_live_pin(&first).await;
    let database = first.dir.join("lens.db");
    let database_url = format!("sqlite://{}?mode=rwc", database.display());
    // What versions before the fix left behind, the -wal and -shm files included (the
    // first server still has them open).
    std::fs::set_permissions(&first.dir, PermissionsExt::from_mode(0o755)).unwrap();
    for file in database_files(&database) {
        std::fs::set_permissions(&file, PermissionsExt::from_mode(0o644)).unwrap();
    }

    let second = TestServer::start_with(|config| config.database_url = database_url).await;
    store_a_live_pin(&second).await;
    assert_private(&database);
}
