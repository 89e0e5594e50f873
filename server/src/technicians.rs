//! Technician accounts: creating them, resetting passwords, checking a log-in.

use std::sync::OnceLock;

use crate::db::Db;
use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::Serialize;

use crate::db::now_ms;

/// The account `--demo` creates.
pub const DEMO_EMAIL: &str = "demo@lens.local";
pub const DEMO_NAME: &str = "Demo Technician";

/// Shorter passwords are refused by `add-technician`.
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Technician {
    pub id: i64,
    pub email: String,
    /// Shown to the customer ("Your technician: ...") and in the console.
    pub name: String,
}

/// Whether [`upsert`] made a new account or reset an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    PasswordReset,
}

pub fn validate(email: &str, name: &str, password: &str) -> anyhow::Result<()> {
    let email = email.trim();
    anyhow::ensure!(
        email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty()),
        "{email:?} is not an e-mail address"
    );
    let name = name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 100,
        "the name must have 1 to 100 characters"
    );
    anyhow::ensure!(
        !name.chars().any(char::is_control),
        "the name must not contain control characters"
    );
    anyhow::ensure!(
        password.chars().count() >= MIN_PASSWORD_CHARS,
        "the password must have at least {MIN_PASSWORD_CHARS} characters"
    );
    Ok(())
}

/// Creates the technician, or sets a new name and password for an existing e-mail address.
/// A reset also signs the technician out everywhere: whoever knew the old password must not
/// keep a console open.
pub async fn upsert(
    pool: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<Upserted> {
    validate(email, name, password)?;
    let hash = hash_password(password.to_owned()).await?;
    let email = normalized_email(email);
    // Two concurrent upserts can both pick the same next id, or both insert the same new
    // address; the loser's transaction fails on the UNIQUE constraint and is simply redone
    // (it then sees the winner's row).
    let mut attempt = 0;
    loop {
        attempt += 1;
        match upsert_once(pool, &email, name.trim(), &hash).await {
            Err(error)
                if attempt < 5
                    && error
                        .downcast_ref::<sqlx::Error>()
                        .is_some_and(crate::db::is_unique_violation) => {}
            other => return other,
        }
    }
}

async fn upsert_once(pool: &Db, email: &str, name: &str, hash: &str) -> anyhow::Result<Upserted> {
    let now = now_ms();
    let mut tx = pool.begin().await?;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM technicians WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *tx)
        .await?;
    let outcome = match existing {
        Some(id) => {
            sqlx::query("UPDATE technicians SET display_name = $1, password_hash = $2, updated_at = $3 WHERE id = $4")
                .bind(name)
                .bind(hash)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM login_sessions WHERE technician_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Upserted::PasswordReset
        }
        None => {
            // Small sequential ids (no AUTOINCREMENT/SERIAL: the schema is portable), safe
            // as JSON numbers in the console.
            sqlx::query(
                "INSERT INTO technicians (id, email, display_name, password_hash, created_at, updated_at) \
                 SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5 FROM technicians",
            )
            .bind(email)
            .bind(name)
            .bind(hash)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Upserted::Created
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// E-mail addresses are stored and looked up lower-cased, so that the UNIQUE constraint and
/// the log-in are case-insensitive on every database engine.
pub fn normalized_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn exists(pool: &Db, email: &str) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM technicians WHERE email = $1")
        .bind(normalized_email(email))
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

pub async fn by_id(pool: &Db, id: i64) -> anyhow::Result<Option<Technician>> {
    Ok(
        sqlx::query_as("SELECT id, email, display_name AS name FROM technicians WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// The technician with this e-mail address, whatever its case (how a chat system names
/// its agent to the hand-off API).
pub async fn by_email(pool: &Db, email: &str) -> anyhow::Result<Option<Technician>> {
    Ok(sqlx::query_as(
        "SELECT id, email, display_name AS name FROM technicians WHERE lower(email) = $1",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(pool)
    .await?)
}

/// The technician if the password is right. An unknown address costs as much time as a
/// wrong password, so response times do not reveal which addresses have accounts.
pub async fn check_password(
    pool: &Db,
    email: &str,
    password: &str,
) -> anyhow::Result<Option<Technician>> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, email, display_name, password_hash FROM technicians WHERE email = $1",
    )
    .bind(normalized_email(email))
    .fetch_optional(pool)
    .await?;
    let (technician, hash) = match row {
        Some((id, email, name, hash)) => (Some(Technician { id, email, name }), Some(hash)),
        None => (None, None),
    };
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU on purpose; keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || {
        let hash = hash.as_deref().unwrap_or_else(|| dummy_hash());
        PasswordHash::new(hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .context("password check task")?;
    Ok(technician.filter(|_| ok))
}

async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .context("password hashing task")?
}

fn hash_password_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut salt)
        .context("reading the OS random number generator")?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("encoding the salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    Ok(hash.to_string())
}

/// A real hash of a random password, made once, to verify against for unknown addresses.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password_blocking(&crate::tokens::random_password())
            .expect("hashing a random password")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(validate("a@b", "A", "12345678").is_ok());
        assert!(validate("ab", "A", "12345678").is_err());
        assert!(validate("a@b", " ", "12345678").is_err());
        assert!(validate("a@b", "A", "1234567").is_err());
    }

    #[test]
    fn hashes_verify() {
        let hash = hash_password_blocking("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
    }
}
