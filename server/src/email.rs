//! The invitation e-mail of seed 001: the link with the PIN, the customer's name and the
//! organisation's name, as plain text and HTML. The technician either sends it from their
//! own mail client (the console opens a `mailto:` link with [`Invitation::subject`] and
//! [`Invitation::text`]) or has the server send it through the configured SMTP relay.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// Where e-mails go out: `--smtp-url` (`smtp://host:port`, `smtp://…?tls=required`,
/// `smtps://user:pass@host`) and `--smtp-from`.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub url: String,
    pub from: Mailbox,
}

impl SmtpConfig {
    pub fn new(url: &str, from: &str) -> anyhow::Result<SmtpConfig> {
        // Checked at start-up so that a typo fails the server, not the first e-mail.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url {url:?} is not usable: {e}"))?;
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("--smtp-from {from:?} is not an address: {e}"))?;
        Ok(SmtpConfig {
            url: url.to_owned(),
            from,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub subject: String,
    pub text: String,
    #[serde(skip)]
    pub html: String,
}

pub struct InvitationFacts<'a> {
    pub organisation: &'a str,
    pub technician_name: &'a str,
    pub customer_name: &'a str,
    pub link: &'a str,
    pub pin: &'a str,
    pub valid_minutes: u64,
}

pub fn invitation(facts: &InvitationFacts<'_>) -> Invitation {
    let InvitationFacts {
        organisation,
        technician_name,
        customer_name,
        link,
        pin,
        valid_minutes,
    } = facts;
    let subject = format!("{organisation}: your remote support session");
    let text = format!(
        "Hello {customer_name},\n\n\
         {technician_name} from {organisation} would like to help you with a Lens remote support session.\n\n\
         Tap this link on your phone to start the Lens app (or to install it first):\n{link}\n\n\
         If the app asks for a PIN, enter: {pin}\n\n\
         The link works for {valid_minutes} minutes and for one person only. Nothing is shared \
         from your camera until you accept the licence agreement and the technician starts the session.\n\n\
         {organisation}\n"
    );
    let h = |s: &str| escape_html(s);
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">\
         <p>Hello {},</p>\
         <p>{} from {} would like to help you with a Lens remote support session.</p>\
         <p><a href=\"{}\" style=\"font-size:1.2em\">Start the Lens session</a></p>\
         <p>If the app asks for a PIN, enter: <strong style=\"font-size:1.4em;letter-spacing:0.1em\">{}</strong></p>\
         <p>The link works for {} minutes and for one person only. Nothing is shared from your camera \
         until you accept the licence agreement and the technician starts the session.</p>\
         <p>{}</p></body></html>",
        h(customer_name),
        h(technician_name),
        h(organisation),
        h(link),
        h(pin),
        valid_minutes,
        h(organisation),
    );
    Invitation {
        subject,
        text,
        html,
    }
}

pub struct CollaborationFacts<'a> {
    pub organisation: &'a str,
    /// Who invites (the lead or a collaborator allowed to).
    pub from_technician: &'a str,
    /// Who is invited.
    pub technician_name: &'a str,
    pub link: &'a str,
    pub note: &'a str,
    pub valid_minutes: u64,
}

/// Seed 004's invitation to collaborate: the link to the collaborator page (no account
/// needed) and the lead's note.
pub fn collaboration_invitation(facts: &CollaborationFacts<'_>) -> Invitation {
    let CollaborationFacts {
        organisation,
        from_technician,
        technician_name,
        link,
        note,
        valid_minutes,
    } = facts;
    let subject = format!("{organisation}: join a Lens support session");
    let note_text = if note.is_empty() {
        String::new()
    } else {
        format!("Their note:\n{note}\n\n")
    };
    let text = format!(
        "Hello {technician_name},\n\n\
         {from_technician} from {organisation} invites you to help in a live Lens remote support session.\n\n\
         {note_text}\
         Open this link in your browser to join (no account needed):\n{link}\n\n\
         The link works for {valid_minutes} minutes and for one person only.\n\n\
         {organisation}\n"
    );
    let h = |s: &str| escape_html(s);
    let note_html = if note.is_empty() {
        String::new()
    } else {
        format!("<p>Their note:</p><blockquote>{}</blockquote>", h(note))
    };
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">\
         <p>Hello {},</p>\
         <p>{} from {} invites you to help in a live Lens remote support session.</p>{}\
         <p><a href=\"{}\" style=\"font-size:1.2em\">Join the session</a> (no account needed)</p>\
         <p>The link works for {} minutes and for one person only.</p>\
         <p>{}</p></body></html>",
        h(technician_name),
        h(from_technician),
        h(organisation),
        note_html,
        h(link),
        valid_minutes,
        h(organisation),
    );
    Invitation {
        subject,
        text,
        html,
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Why an e-mail was not sent; `BadAddress` is the technician's to fix. The text is what
/// the technician reads: a relay's own words can name internal hosts, accounts or
/// policies, so they go to the server's log ([`send`]) and never into this message.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("{0:?} is not a valid e-mail address.")]
    BadAddress(String),
    #[error("The e-mail could not be sent; check the address or try again later.")]
    Relay,
}

/// Logs what the relay (or the message builder) said, for the admin, and gives the
/// technician the sentence.
fn relay_failed(detail: impl std::fmt::Display) -> EmailError {
    tracing::warn!(detail = %detail, "the mail relay did not take the invitation");
    EmailError::Relay
}

pub fn parse_address(to: &str) -> Result<Mailbox, EmailError> {
    to.trim()
        .parse::<Mailbox>()
        .map_err(|_| EmailError::BadAddress(to.trim().to_owned()))
}

/// Sends through the relay, plain text with an HTML alternative.
pub async fn send(
    smtp: &SmtpConfig,
    to: Mailbox,
    invitation: &Invitation,
) -> Result<(), EmailError> {
    let message = Message::builder()
        .from(smtp.from.clone())
        .to(to)
        .subject(&invitation.subject)
        .multipart(MultiPart::alternative_plain_html(
            invitation.text.clone(),
            invitation.html.clone(),
        ))
        .map_err(relay_failed)?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
        .map_err(relay_failed)?
        .build();
    transport.send(message).await.map_err(relay_failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_carries_link_pin_and_names_and_escapes_html() {
        let invitation = invitation(&InvitationFacts {
            organisation: "Acme <Support>",
            technician_name: "Tess",
            customer_name: "Carl & Co",
            link: "https://lens.example/123456",
            pin: "123456",
            valid_minutes: 10,
        });
        for part in [&invitation.text, &invitation.html] {
            assert!(part.contains("https://lens.example/123456"));
            assert!(part.contains("123456"));
        }
        assert!(
            invitation.text.contains("Carl & Co") && invitation.text.contains("Acme <Support>")
        );
        assert!(
            invitation.html.contains("Carl &amp; Co")
                && invitation.html.contains("Acme &lt;Support&gt;")
        );
        assert!(!invitation.html.contains("<Support>"));
    }

    #[test]
    fn addresses_are_checked() {
        assert!(parse_address("carl@example.com").is_ok());
        assert!(matches!(
            parse_address("not an address"),
            Err(EmailError::BadAddress(_))
        ));
    }
}
