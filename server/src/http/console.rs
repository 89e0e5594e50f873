//! The technician console (static files compiled into the binary, so the server is one
//! file to deploy) and the page a customer's link opens.

use std::sync::LazyLock;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::http::join::is_pin_shaped;
use crate::http::landing::landing;
use crate::state::AppState;

const INDEX_HTML: &str = include_str!("../../console/index.html");
const COLLABORATE_HTML: &str = include_str!("../../console/collaborate.html");
/// The invite dialog: the lead's console and a collaborator allowed to invite show the same.
const INVITE_DIALOG_HTML: &str = include_str!("../../console/invite-dialog.html");
/// Where a page takes the invite dialog.
const INVITE_DIALOG_SLOT: &str = "<!-- invite-dialog.html -->";

/// The console and the collaborator's page with the invite dialog in place, made once.
static INDEX_PAGE: LazyLock<String> = LazyLock::new(|| with_invite_dialog(INDEX_HTML));
static COLLABORATE_PAGE: LazyLock<String> = LazyLock::new(|| with_invite_dialog(COLLABORATE_HTML));

fn with_invite_dialog(page: &str) -> String {
    debug_assert!(
        page.contains(INVITE_DIALOG_SLOT),
        "a page without the dialog's slot"
    );
    page.replacen(INVITE_DIALOG_SLOT, INVITE_DIALOG_HTML, 1)
}

/// The console's scripts and styles (`server/console/assets/`), served at `/assets/<file>`.
/// In release builds the files are compiled in; a file added to the folder is served
/// without a route of its own.
#[derive(rust_embed::Embed)]
#[folder = "console/assets/"]
struct Assets;

/// Where [`asset`] is mounted.
pub const ASSETS_PATH: &str = "/assets/{*file}";

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
        INDEX_PAGE.clone(),
    )
}

/// `/collaborate`: the collaborating technician's page (seed 004); the invitation's token,
/// if any, is in the address's fragment, which never reaches the server.
pub async fn collaborate() -> Response {
    page(
        StatusCode::OK,
        "text/html; charset=utf-8",
        COLLABORATE_PAGE.clone(),
    )
}

/// `/assets/<file>`: a script or style of the console; anything else is not found.
pub async fn asset(Path(file): Path<String>) -> Response {
    let Some(found) = Assets::get(&file) else {
        return not_found();
    };
    let content_type = match found.metadata.mimetype() {
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        "text/css" => "text/css; charset=utf-8",
        // Only scripts and styles live there; anything else is not ours to serve.
        _ => return not_found(),
    };
    let body = String::from_utf8_lossy(&found.data).into_owned();
    page(StatusCode::OK, content_type, body)
}

fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "Not found\n".to_owned(),
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
        not_found()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_pages_carry_the_invite_dialog_once() {
        for page in [&*INDEX_PAGE, &*COLLABORATE_PAGE] {
            assert_eq!(page.matches(r#"<div id="invite" "#).count(), 1);
            assert!(page.contains(r#"id="invite-submit""#));
            assert!(!page.contains(INVITE_DIALOG_SLOT));
        }
    }
}
