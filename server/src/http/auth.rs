//! Console log-in: `POST /api/login`, `POST /api/logout`, `GET /api/me`, and the extractor
//! that turns the session cookie into a technician.
//!
//! The cookie holds a random 256-bit token; the database holds only its SHA-256. The cookie
//! is HttpOnly (no script can read it), SameSite=Strict (no other site can make the browser
//! send it, which is the CSRF defence) and Secure when the public URL is https.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use crate::accounts::technicians::{self, Technician};
use crate::http::error::ApiError;
use crate::net::client_addr::ClientAddr;
use crate::net::rate_limit::{self, LoginRefusal};
use crate::state::AppState;
use crate::store::{duration_ms, logins, now_ms};
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
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    let account = technicians::normalized_email(&request.email);
    // Charged to the address, the account and the server before the password is checked,
    // and given back if it is right: checking first and recording the failure afterwards
    // let 100 concurrent guesses all run (issue 9).
    match state.login_failures.reserve(client, &account) {
        Ok(()) => {}
        Err(LoginRefusal::LockedOut(wait)) => return Ok(too_many_attempts(wait)),
        Err(LoginRefusal::Busy(wait)) => return Ok(rate_limit::busy(wait)),
    }
    // A bounded number of Argon2 checks at once (each holds ~19 MiB); the rest are told to
    // come back rather than queued in memory.
    let Ok(slot) = state.login_checks.try_enter() else {
        state.login_failures.refund(client, &account);
        return Ok(rate_limit::busy(Duration::from_secs(1)));
    };
    let checked = technicians::check_password(&state.db, &request.email, &request.password).await;
    drop(slot);
    let technician = match checked {
        Ok(Some(technician)) => {
            state.login_failures.refund(client, &account);
            technician
        }
        Ok(None) => {
            tracing::info!(client = %client, "console log-in refused");
            // The failure that spends an allowance is still answered as what it was.
            state.login_failures.failed(client, &account);
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Wrong e-mail address or password.",
            ));
        }
        Err(error) => {
            state.login_failures.refund(client, &account);
            return Err(error.into());
        }
    };
    let token = random_token();
    let now = now_ms();
    let ttl = state.config.login_ttl;
    logins::insert(
        &state.db,
        &sha256_hex(token.as_bytes()),
        technician.id,
        now,
        now.saturating_add(duration_ms(ttl)),
    )
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

fn too_many_attempts(retry_after: Duration) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many failed sign-in attempts. Wait a few minutes and try again.",
    )
    .into_response();
    rate_limit::set_retry_after(&mut response, retry_after);
    response
}

/// `POST /api/logout`: forgets the log-in and closes the consoles opened with it.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, ApiError> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let hash = sha256_hex(cookie.value().as_bytes());
        logins::delete(&state.db, &hash).await?;
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
    pub access: crate::flow::access::Access,
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
    pub access: crate::flow::access::Access,
}

impl FromRequestParts<AppState> for AuthedTechnician {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        technician_of(state, &parts.headers)
            .await?
            .ok_or_else(ApiError::unauthorized)
    }
}

/// The technician whose console log-in the request carries, if any (for the requests that
/// a collaborator without an account may make too).
pub async fn technician_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<AuthedTechnician>, ApiError> {
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let login = sha256_hex(cookie.value().as_bytes());
    let Some((technician, expires_at)) = logins::technician_of(&state.db, &login, now_ms()).await?
    else {
        return Ok(None);
    };
    Ok(Some(AuthedTechnician {
        access: crate::flow::access::Access::of(&state.db, technician.id).await?,
        technician,
        login,
        expires_at,
    }))
}

/// Whether a console log-in (the hash in [`AuthedTechnician::login`]) still stands: not
/// signed out, not expired, not deleted by a password reset. Checked at every HTTP request
/// by the extractor above, and again during a console socket's life (`technician_ws.rs`).
pub async fn login_is_live(db: &crate::store::Db, login: &str) -> anyhow::Result<bool> {
    logins::is_live(db, login, now_ms()).await
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
