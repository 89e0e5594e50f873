//! The pages a customer's browser sees: the landing page of a link (`/<pin>`,
//! `/?code=<pin>`, `/join/<pin>`) and the manual PIN entry page (`/join`).
//!
//! With the app installed, the phone opens the link in the app directly (universal links
//! and app links, `app_links.rs`) and this page is never shown. Without it, the page shows
//! the PIN in large digits, a button that tries the app anyway (a custom-scheme link, or
//! an Android intent that falls back to Google Play), the store buttons, and on iOS a
//! Smart App Banner whose `app-argument` hands the link to the app after installing, so
//! the customer does not have to type the PIN at all.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lens_core::join::{APP_SCHEME, JoinConfig, parse_join_input};
use serde::Deserialize;

use crate::http::console::page;
use crate::http::join::is_pin_shaped;
use crate::http::links::PinLinks;
use crate::state::AppState;

const LANDING_HTML: &str = include_str!("../../console/landing.html");
const JOIN_HTML: &str = include_str!("../../console/join.html");

/// The landing page for `code`; a code that is not six digits gets a 404 page pointing at
/// the manual entry page. Only a validated PIN and escaped configuration reach the markup.
pub fn landing(state: &AppState, headers: &HeaderMap, code: &str) -> Response {
    if !is_pin_shaped(code) {
        let body = LANDING_HTML
            .replace("{{SMART_APP_BANNER}}", "")
            .replace("{{PIN}}", "------")
            .replace(
                "{{INSTRUCTIONS}}",
                "This link does not contain a valid six-digit PIN. Ask your technician for a new link, or enter the PIN by hand.",
            )
            .replace("{{ACTIONS}}", "");
        return page(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body);
    }
    let config = &state.config.app_links;
    let link = PinLinks::for_pin(state, code).mobile;
    let banner = config
        .apple_app_store_id
        .as_ref()
        .map(|id| {
            format!(
                r#"<meta name="apple-itunes-app" content="app-id={}, app-argument={}">"#,
                escape(id),
                escape(&link)
            )
        })
        .unwrap_or_default();
    let mut actions = vec![format!(
        r#"<a class="primary" href="{}" data-testid="landing-open-app">Open the Lens app</a>"#,
        escape(&open_app_href(state, headers, code, &link))
    )];
    if let Some(url) = config.app_store_url() {
        actions.push(format!(
            r#"<a href="{}" data-testid="landing-app-store">Download on the App Store</a>"#,
            escape(url.as_str())
        ));
    }
    if let Some(url) = config.play_store_url() {
        actions.push(format!(
            r#"<a href="{}" data-testid="landing-google-play">Get it on Google Play</a>"#,
            escape(url.as_str())
        ));
    }
    let body = LANDING_HTML
        .replace("{{SMART_APP_BANNER}}", &banner)
        .replace("{{PIN}}", code)
        .replace(
            "{{INSTRUCTIONS}}",
            "Open the Lens app and enter this PIN to connect with your technician. \
             If you do not have the app yet, install it first: the PIN stays valid for a few minutes.",
        )
        .replace(
            "{{ACTIONS}}",
            &format!(r#"<div class="landing-actions">{}</div>"#, actions.join("")),
        );
    page(StatusCode::OK, "text/html; charset=utf-8", body)
}

/// On Android with a configured package: an intent that opens the app, or Google Play
/// when it is missing. Elsewhere: the custom scheme the apps register (`lens://join/<pin>`).
fn open_app_href(state: &AppState, headers: &HeaderMap, pin: &str, link: &str) -> String {
    let config = &state.config.app_links;
    let android = headers
        .get(header::USER_AGENT)
        .and_then(|ua| ua.to_str().ok())
        .is_some_and(|ua| ua.contains("Android"));
    match (&config.android_package, android) {
        (Some(package), true) => {
            let without_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
            let scheme = state.public_url.scheme();
            let fallback = config
                .play_store_url()
                .map(|url| {
                    format!(
                        ";S.browser_fallback_url={}",
                        url::form_urlencoded::byte_serialize(url.as_str().as_bytes())
                            .collect::<String>()
                    )
                })
                .unwrap_or_default();
            format!(
                "intent://{without_scheme}#Intent;scheme={scheme};package={package}{fallback};end"
            )
        }
        _ => format!("{APP_SCHEME}://join/{pin}"),
    }
}

#[derive(Deserialize)]
pub struct EntryQuery {
    pin: Option<String>,
}

/// `/join`: a form for the PIN; `/join?pin=…` checks what was typed with core's parser (the
/// rules the app applies: grouped digits, or a link to this server) and sends the customer
/// on to the landing page of the PIN, or shows the parser's sentence.
pub async fn manual_entry(
    State(state): State<AppState>,
    Query(query): Query<EntryQuery>,
) -> Response {
    let Some(input) = query.pin else {
        return entry_page(StatusCode::OK, "", "");
    };
    match parse_join_input(&input, &join_config(&state)) {
        Ok(pin) => Redirect::to(&format!("/{pin}")).into_response(),
        Err(error) => entry_page(StatusCode::UNPROCESSABLE_ENTITY, &input, &error.to_string()),
    }
}

fn entry_page(status: StatusCode, value: &str, error: &str) -> Response {
    // Long pasted text is cut before it is echoed back.
    let value: String = value.chars().take(200).collect();
    let body = JOIN_HTML
        .replace("{{VALUE}}", &escape(&value))
        .replace("{{ERROR}}", &escape(error));
    page(status, "text/html; charset=utf-8", body)
}

/// Links to this server are the only links the entry page accepts.
fn join_config(state: &AppState) -> JoinConfig {
    let host = state.public_url.host_str().unwrap_or_default();
    let loopback = matches!(host, "localhost" | "[::1]") || host.starts_with("127.");
    JoinConfig::new([host], loopback).unwrap_or_else(|_| {
        JoinConfig::new(std::iter::empty::<&str>(), false).expect("an empty host list is valid")
    })
}

/// Escapes text for HTML element content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }
}
