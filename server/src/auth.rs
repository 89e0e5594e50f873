//! Console log-in: `POST /api/login`, `POST /api/logout`, `GET /api/me`, and the extractor
//! that turns the session cookie into a technician.
//!
//! The cookie holds a random 256-bit token; the database holds only its SHA-256. The cookie
//! is HttpOnly (no script can read it), SameSite=Strict (no other site can make the browser
//! send it, which is the CSRF defence) and Secure when the public URL is https.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use crate::db::{duration_ms, now_ms};
use crate::error::ApiError;
use crate::state::AppState;
use crate::technicians::{self, Technician};
use crate::tokens::{random_token, sha256_hex};

pub const SESSION_COOKIE: &str = "lens_session";

#[derive(Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/login`: checks the password and sets the session cookie.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    if let Some(wait) = state.login_failures.blocked_for(peer.ip()) {
        return Ok(too_many_attempts(wait.as_secs()));
    }
    let Some(technician) =
        technicians::check_password(&state.db, &request.email, &request.password).await?
    else {
        tracing::info!(client = %peer.ip(), "console log-in refused");
        if state.login_failures.record_failure(peer.ip()) {
            let wait = state
                .login_failures
                .blocked_for(peer.ip())
                .unwrap_or_default();
            return Ok(too_many_attempts(wait.as_secs()));
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Wrong e-mail address or password.",
        ));
    };
    let token = random_token();
    let now = now_ms();
    let ttl = state.config.login_ttl;
    sqlx::query("INSERT INTO login_sessions (token_hash, technician_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(sha256_hex(token.as_bytes()))
        .bind(technician.id)
        .bind(now)
        .bind(now.saturating_add(duration_ms(ttl)))
        .execute(&state.db)
        .await?;
    tracing::info!(technician = technician.id, "technician signed in");
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.is_https())
        .path("/")
        .max_age(time::Duration::seconds(
            i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
        ));
    Ok((jar.add(cookie), Json(technician)).into_response())
}

fn too_many_attempts(retry_after_secs: u64) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many failed sign-in attempts. Wait a few minutes and try again.",
    )
    .into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after_secs.max(1)),
    );
    response
}

/// `POST /api/logout`: forgets the log-in and closes the consoles opened with it.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, ApiError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let hash = sha256_hex(cookie.value().as_bytes());
        sqlx::query("DELETE FROM login_sessions WHERE token_hash = $1")
            .bind(&hash)
            .execute(&state.db)
            .await?;
        state.hub.sign_out(&hash);
    }
    let removal = Cookie::build((SESSION_COOKIE, "")).path("/");
    Ok((jar.remove(removal), StatusCode::NO_CONTENT).into_response())
}

/// Who is signed in and what they may do: the console asks on load and shows only what
/// the technician's group allows.
#[derive(serde::Serialize)]
pub struct Me {
    #[serde(flatten)]
    pub technician: Technician,
    #[serde(flatten)]
    pub access: crate::access::Access,
    /// Whether "send on my behalf" is possible (an SMTP relay is configured).
    pub email_relay: bool,
}

/// `GET /api/me`: who is signed in (the console asks on load).
pub async fn me(State(state): State<AppState>, auth: AuthedTechnician) -> Json<Me> {
    Json(Me {
        technician: auth.technician,
        access: auth.access,
        email_relay: state.config.smtp.is_some(),
    })
}

/// A request made with a valid console cookie.
#[derive(Debug, Clone)]
pub struct AuthedTechnician {
    pub technician: Technician,
    /// Hash of the cookie token: identifies this log-in (for sign-out).
    pub login: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    /// The group and admin role as of this request.
    pub access: crate::access::Access,
}

impl FromRequestParts<AppState> for AuthedTechnician {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let cookie = jar.get(SESSION_COOKIE).ok_or_else(ApiError::unauthorized)?;
        let login = sha256_hex(cookie.value().as_bytes());
        let row: Option<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT t.id, t.email, t.display_name, l.expires_at FROM login_sessions l \
             JOIN technicians t ON t.id = l.technician_id WHERE l.token_hash = $1 AND l.expires_at > $2",
        )
        .bind(&login)
        .bind(now_ms())
        .fetch_optional(&state.db)
        .await?;
        let (id, email, name, expires_at) = row.ok_or_else(ApiError::unauthorized)?;
        Ok(AuthedTechnician {
            access: crate::access::Access::of(&state.db, id).await?,
            technician: Technician { id, email, name },
            login,
            expires_at,
        })
    }
}

/// Whether a WebSocket upgrade comes from a page of this server. Browsers always send
/// `Origin` on WebSocket handshakes and the cookie would be attached to a handshake
/// started by any page, so this is what stops another site from opening a console socket.
/// Clients that are not browsers send no Origin and must hold the cookie themselves.
pub fn origin_allowed(headers: &HeaderMap, state: &AppState) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    if origin.origin() == state.public_url.origin() {
        return true;
    }
    // Same host as the request itself (the console opened via another name for the server).
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = match (origin.host_str(), origin.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return false,
    };
    host.is_some_and(|host| host.eq_ignore_ascii_case(&origin_host))
}
