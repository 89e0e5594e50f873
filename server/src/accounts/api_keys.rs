//! API keys for systems that call the hand-off API (a chat or contact-centre platform, seed
//! 002). An admin creates one with `lens-server api-key create --name …`; the key is printed
//! once and the database keeps only its SHA-256, like the console's cookie tokens.
//!
//! Requests carry it as `Authorization: Bearer <key>`; [`ApiClient`] is the extractor that
//! turns it into the key's row or a 401.
//!
//! A key acts only for the technicians of the groups it is bound to (`--group`, at least
//! one): one chat system cannot open sessions in every console. Keys made before groups
//! were bound to keys act for nobody until `api-key scope` gives them groups.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::{self, Db, now_ms};
use crate::tokens::{random_id, random_token, sha256_hex};

/// Every key starts with this, so a leaked one is recognisable in a secret scanner or a log.
pub const KEY_PREFIX: &str = "lens_";
const MAX_NAME_CHARS: usize = 100;

/// A key as the admin sees it in `api-key list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The names of the groups whose technicians the key acts for; empty: nobody.
    pub groups: Vec<String>,
}

/// Creates a key named `name` acting for the technicians of `groups` (names or ids);
/// returns the key itself, which is never shown again.
pub async fn create(db: &Db, name: &str, groups: &[String]) -> anyhow::Result<String> {
    let name = name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS,
        "the key's name must have 1 to {MAX_NAME_CHARS} characters"
    );
    anyhow::ensure!(
        !name.chars().any(char::is_control),
        "the key's name must not contain control characters"
    );
    let group_ids = resolve_groups(db, groups).await?;
    anyhow::ensure!(
        !group_ids.is_empty(),
        "an API key must act for at least one technician group (--group)"
    );
    let key = format!("{KEY_PREFIX}{}", random_token());
    let id = random_id();
    let inserted = store::api_keys::insert(
        db,
        &id,
        name,
        &sha256_hex(key.as_bytes()),
        now_ms(),
        &group_ids,
    )
    .await?;
    anyhow::ensure!(
        inserted,
        "an API key named {name:?} already exists (revoke it, or choose another name)"
    );
    Ok(key)
}

/// Lets the live key named `name` also act for the technicians of `groups` (names or
/// ids); false if there is no live key of that name.
pub async fn scope(db: &Db, name: &str, groups: &[String]) -> anyhow::Result<bool> {
    let group_ids = resolve_groups(db, groups).await?;
    anyhow::ensure!(!group_ids.is_empty(), "name at least one group (--group)");
    store::api_keys::add_groups(db, name.trim(), &group_ids).await
}

/// The ids of groups given by name or id; an unknown one is an error that names it.
async fn resolve_groups(db: &Db, groups: &[String]) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(groups.len());
    for wanted in groups {
        let group = crate::accounts::groups::find(db, wanted)
            .await?
            .ok_or_else(|| anyhow::anyhow!("there is no technician group {:?}", wanted.trim()))?;
        if !ids.contains(&group.id) {
            ids.push(group.id);
        }
    }
    Ok(ids)
}

/// Whether the key may act for the technician: the technician is in one of its groups.
pub async fn may_act_for(db: &Db, key_id: &str, technician_id: i64) -> anyhow::Result<bool> {
    store::api_keys::covers_technician(db, key_id, technician_id).await
}

pub async fn list(db: &Db) -> anyhow::Result<Vec<ApiKeyInfo>> {
    let rows = store::api_keys::all(db).await?;
    let scopes = store::api_keys::all_group_names(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, created_at, revoked_at)| ApiKeyInfo {
            groups: scopes
                .iter()
                .filter(|(key_id, _)| *key_id == id)
                .map(|(_, group)| group.clone())
                .collect(),
            id,
            name,
            created_at,
            revoked_at,
        })
        .collect())
}

/// Revokes the key named `name`; false if there is no live key of that name.
pub async fn revoke(db: &Db, name: &str) -> anyhow::Result<bool> {
    store::api_keys::revoke(db, name.trim(), now_ms()).await
}

/// The id of the live key, if `key` is one.
pub async fn authenticate(db: &Db, key: &str) -> anyhow::Result<Option<String>> {
    store::api_keys::live_id_by_hash(db, &sha256_hex(key.as_bytes())).await
}

/// A request made with a live API key.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub key_id: String,
}

/// A 401 with the `WWW-Authenticate` challenge RFC 6750 asks for.
pub struct Unauthorized(ApiError);

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let mut response = self.0.into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    }
}

impl From<anyhow::Error> for Unauthorized {
    fn from(error: anyhow::Error) -> Unauthorized {
        Unauthorized(error.into())
    }
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = Unauthorized;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|key| !key.is_empty());
        let Some(key) = key else {
            return Err(Unauthorized(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing_api_key",
                "Send the API key as \"Authorization: Bearer <key>\".",
            )));
        };
        match authenticate(&state.db, key).await? {
            Some(key_id) => Ok(ApiClient { key_id }),
            None => {
                // Which key was tried stays out of the log: it may be a live key mistyped.
                tracing::info!("hand-off API request with an unknown or revoked key");
                Err(Unauthorized(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_api_key",
                    "This API key is not valid (unknown or revoked).",
                )))
            }
        }
    }
}
