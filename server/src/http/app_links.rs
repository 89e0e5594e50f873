//! The two files that let the phone apps open this server's links instead of the browser:
//! Apple's `apple-app-site-association` (universal links) and Android's `assetlinks.json`
//! (app links). Both are built from configuration and served as `application/json` at
//! their exact paths, without redirects, since both platforms refuse anything else.
//!
//! The links covered are the ones customers get: `/<pin>`, `/join/<pin>` and `/?code=<pin>`
//! (see `links.rs`). Android takes the paths from the app's manifest, not from this file.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::config::AppLinksConfig;
use crate::state::AppState;

pub const APPLE_PATH: &str = "/.well-known/apple-app-site-association";
pub const ANDROID_PATH: &str = "/.well-known/assetlinks.json";

/// Apple's CDN fetches the file when the app is installed and then caches it; an hour keeps
/// browsers and proxies from asking on every page while a changed file still spreads soon.
const CACHE_CONTROL: &str = "public, max-age=3600";

/// The universal-link patterns: `?` matches one character, so `/??????` is a six-character
/// path (the app's own parser then insists on digits).
pub fn apple_document(config: &AppLinksConfig) -> Option<Value> {
    let team = config.apple_team_id.as_ref()?;
    let bundle = config.apple_bundle_id.as_ref()?;
    let app_id = format!("{team}.{bundle}");
    Some(json!({
        "applinks": {
            // Read by iOS 12 and older, which also need `appID` and `paths` below.
            "apps": [],
            "details": [{
                "appIDs": [app_id],
                "components": [
                    { "/": "/??????", "comment": "mobile link: /<pin>" },
                    { "/": "/join/??????", "comment": "join link: /join/<pin>" },
                    { "/": "/", "?": { "code": "??????" }, "comment": "desktop-style link: /?code=<pin>" }
                ],
                "appID": app_id,
                "paths": ["/??????", "/join/??????"]
            }]
        }
    }))
}

pub fn android_document(config: &AppLinksConfig) -> Option<Value> {
    let package = config.android_package.as_ref()?;
    if config.android_cert_fingerprints.is_empty() {
        return None;
    }
    Some(json!([{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": package,
            "sha256_cert_fingerprints": config.android_cert_fingerprints,
        }
    }]))
}

/// Says at start-up which of the two files will be missing, so that "the link opens the
/// browser, not the app" can be traced to configuration.
pub fn log_configuration(config: &AppLinksConfig) {
    if apple_document(config).is_none() {
        tracing::warn!(
            "{APPLE_PATH} answers 404: set --apple-team-id and --apple-bundle-id \
             (LENS_APPLE_TEAM_ID, LENS_APPLE_BUNDLE_ID) so that links open the iOS app"
        );
    }
    if android_document(config).is_none() {
        tracing::warn!(
            "{ANDROID_PATH} answers 404: set --android-package and --android-cert-sha256 \
             (LENS_ANDROID_PACKAGE, LENS_ANDROID_CERT_SHA256) so that links open the Android app"
        );
    }
}

pub async fn apple_app_site_association(State(state): State<AppState>) -> Response {
    served(apple_document(&state.config.app_links))
}

pub async fn android_asset_links(State(state): State<AppState>) -> Response {
    served(android_document(&state.config.app_links))
}

fn served(document: Option<Value>) -> Response {
    match document {
        Some(document) => {
            let mut response = Json(document).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            );
            response
        }
        None => (
            StatusCode::NOT_FOUND,
            "No app is configured for links to this server.\n",
        )
            .into_response(),
    }
}
