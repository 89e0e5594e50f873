//! The technician console (static files compiled into the binary, so the server is one
//! file to deploy) and the page a customer's link opens.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::join::is_pin_shaped;
use crate::landing::landing;
use crate::state::AppState;

const INDEX_HTML: &str = include_str!("../console/index.html");
const CONSOLE_JS: &str = include_str!("../console/console.js");
const NEW_SESSION_JS: &str = include_str!("../console/new-session.js");
const ADMIN_JS: &str = include_str!("../console/admin.js");
const SESSION_LOG_JS: &str = include_str!("../console/session-log.js");
const CONSOLE_CSS: &str = include_str!("../console/console.css");

#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `/`: the console, or the customer landing page for a desktop link (`/?code=123456`).
pub async fn root(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CodeQuery>,
) -> Response {
    match query.code {
        Some(code) => landing(&state, &headers, code.trim()),
        None => index().await,
    }
}

/// `/console`: the console.
pub async fn index() -> Response {
    page(
        StatusCode::OK,
        "text/html; charset=utf-8",
        INDEX_HTML.to_owned(),
    )
}

pub async fn script() -> Response {
    page(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        CONSOLE_JS.to_owned(),
    )
}

/// The New Session dialog (tabs PIN, E-mail, Link).
pub async fn new_session_script() -> Response {
    page(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        NEW_SESSION_JS.to_owned(),
    )
}

/// The session log panel.
pub async fn session_log_script() -> Response {
    page(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        SESSION_LOG_JS.to_owned(),
    )
}

/// The admin area (groups, technicians).
pub async fn admin_script() -> Response {
    page(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        ADMIN_JS.to_owned(),
    )
}

pub async fn stylesheet() -> Response {
    page(
        StatusCode::OK,
        "text/css; charset=utf-8",
        CONSOLE_CSS.to_owned(),
    )
}

/// `/{pin}` (the mobile link) and `/join/{pin}`. Any other segment is not found.
pub async fn pin_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(segment): Path<String>,
) -> Response {
    if is_pin_shaped(&segment) {
        landing(&state, &headers, &segment)
    } else {
        page(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "Not found\n".to_owned(),
        )
    }
}

/// A compiled-in file or a generated page. The Content-Security-Policy and the other
/// security headers are added to every answer in `app.rs`.
pub(crate) fn page(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // HTML pages show a PIN or are the console: never stored. Scripts and styles are
    // compiled in; revalidating them is cheap and picks up a new server at once.
    let cache = if content_type.starts_with("text/html") {
        "no-store"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Let the console use the microphone, and nothing else powerful.
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("microphone=(self), camera=(), geolocation=()"),
    );
    response
}
