//! The customer's media connection as the server sees it: offers (the first and each ICE
//! restart) relayed with this call's ICE configuration, the app saying it is reconnecting
//! and reconnected, and STUN/TURN servers that failed for either side. Each reaches the
//! console and the session log. What an app or console wrote is bounded and cleaned first:
//! it ends up in the log and on the technician's screen.

use lens_core::signal::ServerToTechnician;

use crate::config::ice::{IceScheme, IceUrl, parse_host_port};
use crate::flow::ice;
use crate::flow::sessions::{self, ALREADY_OVER, FlowError};
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::session_log::{self, Event};

/// The session log's words for the customer's reconnect.
pub const RECONNECTING_TEXT: &str =
    "Media connection interrupted; the customer's app is reconnecting";
pub const RECONNECTED_TEXT: &str = "Media connection restored";

/// Longest server error text kept (the browser's `errorText` is a few words).
const MAX_ERROR_TEXT_CHARS: usize = 100;
/// Longest URL looked at; a real one is far shorter.
const MAX_URL_CHARS: usize = 300;

/// The customer's offer (or ICE restart offer) for the console, with this call's STUN/TURN
/// servers and credentials issued now: a console that reloaded mid-call, or restarts ICE
/// hours in, gets credentials that are still valid.
pub async fn relay_offer(
    state: &AppState,
    session_id: &str,
    sdp: String,
    ice_restart: bool,
) -> Result<(), FlowError> {
    let row = sessions::existing(state, session_id).await?;
    let ice = ice::for_session(state, row.technician_id, session_id).await?;
    let message = ServerToTechnician::Offer {
        session_id: session_id.to_owned(),
        sdp,
        ice_restart,
        ice,
    };
    sessions::relay_to_technician(state, session_id, message).await
}

/// The customer's app lost its media path and is restarting ICE.
pub async fn reconnecting(state: &AppState, session_id: &str) -> Result<(), FlowError> {
    let message = ServerToTechnician::Reconnecting {
        session_id: session_id.to_owned(),
    };
    sessions::relay_to_technician(state, session_id, message).await?;
    tracing::info!(session = %session_id, "customer's media connection interrupted; reconnecting");
    session_log::record(
        &state.db,
        session_id,
        Event::Reconnecting,
        Some(RECONNECTING_TEXT),
    )
    .await;
    Ok(())
}

/// Media flows again after a reconnect.
pub async fn reconnected(state: &AppState, session_id: &str) -> Result<(), FlowError> {
    let message = ServerToTechnician::Reconnected {
        session_id: session_id.to_owned(),
    };
    sessions::relay_to_technician(state, session_id, message).await?;
    tracing::info!(session = %session_id, "customer's media connection restored");
    session_log::record(
        &state.db,
        session_id,
        Event::Reconnected,
        Some(RECONNECTED_TEXT),
    )
    .await;
    Ok(())
}

/// A STUN or TURN server failed for the customer's app: the console shows the sentence and
/// the session log keeps it.
pub async fn customer_ice_server_error(
    state: &AppState,
    session_id: &str,
    url: &str,
    code: u16,
    text: &str,
) -> Result<(), FlowError> {
    let message = describe_ice_server_error("The customer's app", url, code, text);
    let relayed = ServerToTechnician::IceServerError {
        session_id: session_id.to_owned(),
        message: message.clone(),
        server: server_of(url)
            .map(|server| server.server())
            .unwrap_or_default(),
        code,
    };
    sessions::relay_to_technician(state, session_id, relayed).await?;
    tracing::info!(session = %session_id, code, "a STUN/TURN server failed for the customer's app");
    session_log::record(&state.db, session_id, Event::IceServerError, Some(&message)).await;
    Ok(())
}

/// A STUN or TURN server failed for the technician's console: the session log keeps it.
pub async fn technician_ice_server_error(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
    url: &str,
    code: u16,
    text: &str,
) -> Result<(), FlowError> {
    let row = sessions::owned(state, technician_id, session_id).await?;
    if !row.is_live(now_ms()) {
        return Err(FlowError::Refused(ALREADY_OVER.to_owned()));
    }
    let message = describe_ice_server_error("The console", url, code, text);
    tracing::info!(session = %session_id, code, "a STUN/TURN server failed for the console");
    session_log::record(&state.db, session_id, Event::IceServerError, Some(&message)).await;
    Ok(())
}

/// The sentence for a failed STUN/TURN server, e.g. "The customer's app could not use the
/// relay server turn:10.0.0.1:3478 (401 Unauthorized): check the TURN secret". The URL is
/// reduced to `scheme:host[:port]` (never a user name or password, whatever the app sent)
/// and the text is cut short and stripped of control characters.
pub fn describe_ice_server_error(who: &str, url: &str, code: u16, text: &str) -> String {
    let server = server_of(url);
    let what = match &server {
        Some(server) if server.scheme.is_turn() => format!("the relay server {}", server.server()),
        Some(server) => format!("the STUN server {}", server.server()),
        None => "a STUN or TURN server".to_owned(),
    };
    // Browsers end the text with a full stop ("Unauthorized."); the sentence goes on after it.
    let text = clean(text, MAX_ERROR_TEXT_CHARS)
        .trim_end_matches('.')
        .trim_end()
        .to_owned();
    let error = if text.is_empty() {
        code.to_string()
    } else {
        format!("{code} {text}")
    };
    let is_turn = server.as_ref().is_none_or(|s| s.scheme.is_turn());
    let hint = match code {
        401 if is_turn => {
            ": check the TURN secret (it must be the TURN server's static-auth-secret)"
        }
        701 => ": it did not answer; check that it runs and that this network can reach it",
        _ => "",
    };
    format!("{who} could not use {what} ({error}){hint}")
}

/// The server an app named, as `scheme:host[:port]`; None if it does not read as a STUN or
/// TURN URL. Credentials (`user:pass@`), paths and queries are dropped.
fn server_of(url: &str) -> Option<IceUrl> {
    let url = clean(url, MAX_URL_CHARS);
    let (scheme, rest) = url.split_once(':')?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "stun" => IceScheme::Stun,
        "stuns" => IceScheme::Stuns,
        "turn" => IceScheme::Turn,
        "turns" => IceScheme::Turns,
        _ => return None,
    };
    let rest = rest.trim_start_matches('/');
    let rest = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
    let authority = rest.split(['?', '/']).next().unwrap_or_default();
    let (host, port) = parse_host_port(authority).ok()?;
    Some(IceUrl {
        scheme,
        host,
        port,
        transport: None,
    })
}

/// At most `max` characters, no control characters, trimmed.
fn clean(text: &str, max: usize) -> String {
    let kept: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    kept.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_secret_reads_as_a_sentence_with_what_to_check() {
        assert_eq!(
            describe_ice_server_error(
                "The customer's app",
                "turn:10.0.0.1:3478?transport=udp",
                401,
                "Unauthorized."
            ),
            "The customer's app could not use the relay server turn:10.0.0.1:3478 \
             (401 Unauthorized): check the TURN secret (it must be the TURN server's \
             static-auth-secret)"
        );
        assert_eq!(
            describe_ice_server_error("The console", "stun:[::1]:3478", 701, ""),
            "The console could not use the STUN server stun:[::1]:3478 (701): it did not \
             answer; check that it runs and that this network can reach it"
        );
    }

    #[test]
    fn credentials_in_a_url_are_never_repeated() {
        let sentence = describe_ice_server_error(
            "The customer's app",
            "turn://1767225600:s1:c2VjcmV0@turn.example.com:3478?transport=tcp",
            403,
            "Forbidden",
        );
        assert!(
            sentence.contains("the relay server turn:turn.example.com:3478 (403 Forbidden)"),
            "{sentence}"
        );
        assert!(!sentence.contains("c2VjcmV0") && !sentence.contains("1767225600"));
        let garbled = describe_ice_server_error("The console", "http://x/\u{7}", 300, "");
        assert_eq!(
            garbled,
            "The console could not use a STUN or TURN server (300)"
        );
    }

    #[test]
    fn long_and_garbled_text_is_bounded() {
        let text = format!("bad\u{0}\n\u{1b}[31m{}", "x".repeat(10_000));
        let sentence = describe_ice_server_error("The console", &"turn:".repeat(1000), 500, &text);
        assert!(sentence.chars().count() < 250, "{sentence}");
        assert!(!sentence.chars().any(char::is_control), "{sentence:?}");
    }
}
