//! Technician accounts: creating them, resetting passwords, checking a log-in.

use std::sync::OnceLock;

use crate::store::Db;
use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::TryRngCore;
use rand::rngs::OsRng;

use crate::store::now_ms;

/// The account `--demo` creates.
pub const DEMO_EMAIL: &str = "demo@lens.local";
pub const DEMO_NAME: &str = "Demo Technician";

/// Shorter passwords are refused by `add-technician`.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub use crate::store::technicians::Technician;

/// Whether [`upsert`] made a new account or reset an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    PasswordReset,
}

/// Why [`create`] made no account.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("a technician with the e-mail address {0} already exists")]
    Exists(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Where a new account goes: its group and whether it is an admin.
#[derive(Debug, Clone, Copy)]
pub struct Membership<'a> {
    pub group_id: &'a str,
    pub is_admin: bool,
}

impl Default for Membership<'_> {
    fn default() -> Self {
        Membership {
            group_id: crate::accounts::groups::DEFAULT_GROUP_ID,
            is_admin: false,
        }
    }
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

/// How often [`create`] retries when a concurrent insert took the id it picked.
const CREATE_ATTEMPTS: usize = 10;

/// Creates a technician account, and only that: an address that already has an account,
/// in whatever case it is typed, is [`CreateError::Exists`] and changes nothing. The invite
/// form goes through here, so whoever may invite can never reset someone else's password
/// (issue 9, finding 1). The group and admin role are written with the row, so the account
/// never exists with more rights than it was given.
pub async fn create(
    pool: &Db,
    email: &str,
    name: &str,
    password: &str,
    membership: Membership<'_>,
) -> Result<i64, CreateError> {
    validate(email, name, password)?;
    let hash = hash_password(password.to_owned()).await?;
    let email = normalized_email(email);
    for _ in 0..CREATE_ATTEMPTS {
        match insert(pool, &email, name.trim(), &hash, membership).await {
            Ok(id) => return Ok(id),
            // Either the address was taken (its UNIQUE, also by a concurrent insert), or a
            // concurrent insert took the id picked (the primary key): looking tells which.
            Err(error) if crate::store::is_unique_violation(&error) => {
                if exists(pool, &email).await? {
                    return Err(CreateError::Exists(email));
                }
            }
            Err(error) => return Err(anyhow::Error::from(error).into()),
        }
    }
    Err(anyhow::anyhow!("no free technician id after {CREATE_ATTEMPTS} attempts").into())
}

async fn insert(
    pool: &Db,
    email: &str,
    name: &str,
    hash: &str,
    membership: Membership<'_>,
) -> Result<i64, sqlx::Error> {
    crate::store::technicians::insert(
        pool,
        email,
        name,
        hash,
        now_ms(),
        membership.group_id,
        membership.is_admin,
    )
    .await
}

/// Sets a new name and password for an existing account (the operator's `add-technician`,
/// never an API) and signs it out everywhere: whoever knew the old password must not keep
/// a console open. The log-ins are deleted here; open console sockets notice at their next
/// command or log-in check (`technician_ws.rs`), even when the reset ran in another process.
/// None if there is no such account.
pub async fn reset_password(
    pool: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<Option<i64>> {
    validate(email, name, password)?;
    let hash = hash_password(password.to_owned()).await?;
    crate::store::technicians::reset_password(
        pool,
        &normalized_email(email),
        name.trim(),
        &hash,
        now_ms(),
    )
    .await
}

/// Creates the technician (Default group, no admin role), or resets the existing account's
/// name and password: `add-technician`'s explicit "create or reset", never reachable from
/// the HTTP API. Returns the account's id.
pub async fn upsert(
    pool: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<(i64, Upserted)> {
    match create(pool, email, name, password, Membership::default()).await {
        Ok(id) => Ok((id, Upserted::Created)),
        Err(CreateError::Exists(email)) => {
            let id = reset_password(pool, &email, name, password)
                .await?
                .with_context(|| format!("{email} exists but could not be updated"))?;
            Ok((id, Upserted::PasswordReset))
        }
        Err(CreateError::Other(error)) => Err(error),
    }
}

/// E-mail addresses are stored and looked up lower-cased, so that the UNIQUE constraint and
/// the log-in are case-insensitive on every database engine. Every look-up by address goes
/// through here. Rows have been stored lower-cased since the first schema (0001_init.sql),
/// so existing databases need no migration.
pub fn normalized_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn exists(pool: &Db, email: &str) -> anyhow::Result<bool> {
    Ok(
        crate::store::technicians::id_by_email(pool, &normalized_email(email))
            .await?
            .is_some(),
    )
}

pub async fn by_id(pool: &Db, id: i64) -> anyhow::Result<Option<Technician>> {
    crate::store::technicians::by_id(pool, id).await
}

/// The technician with this e-mail address, whatever its case (how a chat system names
/// its agent to the hand-off API).
pub async fn by_email(pool: &Db, email: &str) -> anyhow::Result<Option<Technician>> {
    crate::store::technicians::by_email(pool, &normalized_email(email)).await
}

/// The technician if the password is right. An unknown address costs as much time as a
/// wrong password, so response times do not reveal which addresses have accounts.
pub async fn check_password(
    pool: &Db,
    email: &str,
    password: &str,
) -> anyhow::Result<Option<Technician>> {
    let row = crate::store::technicians::with_password_hash(pool, &normalized_email(email)).await?;
    let (technician, hash) = match row {
        Some((technician, hash)) => (Some(technician), Some(hash)),
        None => (None, None),
    };
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU and ~19 MiB on purpose: off the async
    // workers, and only as many at once as `password_guard` allows.
    let ok = crate::accounts::password_guard::global()
        .run(move || {
            let hash = hash.as_deref().unwrap_or_else(|| dummy_hash());
            PasswordHash::new(hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await?;
    Ok(technician.filter(|_| ok))
}

async fn hash_password(password: String) -> anyhow::Result<String> {
    crate::accounts::password_guard::global()
        .run(move || hash_password_blocking(&password))
        .await?
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
