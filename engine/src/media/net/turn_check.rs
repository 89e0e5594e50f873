//! Why a TURN server gives this device no relay candidate. webrtc-rs 0.21 only logs a failed
//! allocation (it never calls `on_ice_candidate_error`), so without this the customer's app
//! would never tell the technician that the relay is unusable: a wrong shared secret,
//! credentials that expired, or a server that does not answer.
//!
//! The check allocates nothing. It asks once without credentials (an Allocate, which a TURN
//! server with long-term credentials answers 401 with its realm and nonce), then sends an
//! authenticated Refresh for an allocation that does not exist: the server checks the
//! credentials first and answers 401 when they are wrong or expired, and 437 (allocation
//! mismatch) when they are right. It runs beside ICE gathering and never delays it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rtc::crypto::RTCCryptoProvider;
use rtc::ice::url::{ProtoType, SchemeType, Url};
use rtc::stun::attributes::{ATTR_NONCE, ATTR_REALM, ATTR_USERNAME};
use rtc::stun::error_code::{
    CODE_ALLOC_MISMATCH, CODE_STALE_NONCE, CODE_UNAUTHORIZED, ErrorCodeAttribute,
};
use rtc::stun::fingerprint::FINGERPRINT;
use rtc::stun::integrity::MessageIntegrity;
use rtc::stun::message::{
    CLASS_ERROR_RESPONSE, CLASS_REQUEST, CLASS_SUCCESS_RESPONSE, Getter, METHOD_ALLOCATE,
    METHOD_REFRESH, Message, MessageType, Setter, TransactionId,
};
use rtc::stun::textattrs::{Nonce, Realm, TextAttribute};
use rtc::turn::proto::PROTO_UDP;
use rtc::turn::proto::lifetime::Lifetime;
use rtc::turn::proto::reqtrans::RequestedTransport;
use tokio::net::UdpSocket;

/// What a TURN server said about this device's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TurnCheck {
    /// It answered and accepted the credentials.
    Usable,
    /// It answered with a STUN error (401: wrong or expired credentials).
    Refused { code: u16, reason: String },
    /// No answer within the time given.
    Unanswered,
    /// Not a server this check (or webrtc-rs) speaks to: TURN over TCP or TLS.
    NotChecked,
}

/// Whether [`check`] speaks to the server of `url`: TURN over UDP, the only kind webrtc-rs
/// 0.21 gathers relay candidates from.
pub(crate) fn is_checked(url: &str) -> bool {
    Url::parse_url(url)
        .is_ok_and(|parsed| parsed.scheme == SchemeType::Turn && parsed.proto == ProtoType::Udp)
}

/// The code the console and the W3C use for "no answer" (`RTCPeerConnectionIceErrorEvent`).
pub(crate) const NO_ANSWER_CODE: u16 = 701;

/// Between retransmissions of an unanswered request, as STUN's RTO over UDP.
const RETRANSMIT_AFTER: Duration = Duration::from_millis(500);

/// Checks `url` (a `turn:` URL over UDP) with these credentials from `bind_ip`, giving up
/// after `give_up_after` without an answer.
pub(crate) async fn check(
    url: &str,
    username: &str,
    password: &str,
    bind_ip: IpAddr,
    give_up_after: Duration,
) -> TurnCheck {
    let parsed = match Url::parse_url(url) {
        Ok(parsed) if is_checked(url) => parsed,
        _ => return TurnCheck::NotChecked,
    };
    let deadline = tokio::time::Instant::now() + give_up_after;
    let Ok(Some(server)) = tokio::net::lookup_host((parsed.host.as_str(), parsed.port))
        .await
        .map(|mut addrs| addrs.find(|addr| addr.is_ipv4() == bind_ip.is_ipv4()))
    else {
        return TurnCheck::Unanswered;
    };
    let Ok(socket) = UdpSocket::bind(SocketAddr::new(bind_ip, 0)).await else {
        return TurnCheck::Unanswered;
    };
    let Ok(provider) = rtc::crypto::default_provider() else {
        return TurnCheck::NotChecked;
    };
    let exchange = Exchange {
        socket,
        server,
        deadline,
    };
    exchange.run(username, password, provider.as_ref()).await
}

struct Exchange {
    socket: UdpSocket,
    server: SocketAddr,
    deadline: tokio::time::Instant,
}

impl Exchange {
    async fn run(
        &self,
        username: &str,
        password: &str,
        crypto: &dyn RTCCryptoProvider,
    ) -> TurnCheck {
        // Step 1: the realm and a nonce, from the refusal of an anonymous Allocate.
        let Some(allocate) = request(&[
            Box::new(TransactionId::new()),
            Box::new(MessageType::new(METHOD_ALLOCATE, CLASS_REQUEST)),
            Box::new(RequestedTransport {
                protocol: PROTO_UDP,
            }),
            Box::new(FINGERPRINT),
        ]) else {
            return TurnCheck::NotChecked;
        };
        let Some(challenge) = self.ask(allocate).await else {
            return TurnCheck::Unanswered;
        };
        if challenge.typ.class == CLASS_SUCCESS_RESPONSE {
            // A server without authentication allocated for the asking: usable. Its
            // allocation lapses by itself (no credentials to release it with).
            return TurnCheck::Usable;
        }
        let Some(mut nonce) = challenge_of(&challenge) else {
            return refusal(&challenge);
        };
        let Ok(realm) = Realm::get_from_as(&challenge, ATTR_REALM) else {
            return refusal(&challenge);
        };

        // Step 2: an authenticated Refresh (lifetime 0) for no allocation. Once more if the
        // nonce went stale in between.
        for _ in 0..2 {
            let refresh = MessageIntegrity::new_long_term_integrity_with_provider(
                username.to_owned(),
                realm.text.clone(),
                password.to_owned(),
                crypto.crypto(),
            )
            .ok()
            .and_then(|integrity| {
                request(&[
                    Box::new(TransactionId::new()),
                    Box::new(MessageType::new(METHOD_REFRESH, CLASS_REQUEST)),
                    Box::new(Lifetime(Duration::ZERO)),
                    Box::new(TextAttribute::new(ATTR_USERNAME, username.to_owned())),
                    Box::new(realm.clone()),
                    Box::new(nonce.clone()),
                    Box::new(integrity),
                    Box::new(FINGERPRINT),
                ])
            });
            let Some(refresh) = refresh else {
                return TurnCheck::NotChecked;
            };
            let Some(answer) = self.ask(refresh).await else {
                return TurnCheck::Unanswered;
            };
            match error_of(&answer) {
                None => return TurnCheck::Usable,
                Some((code, _)) if code == CODE_ALLOC_MISMATCH.0 => return TurnCheck::Usable,
                Some((code, _)) if code == CODE_STALE_NONCE.0 => match challenge_of(&answer) {
                    Some(fresh) => nonce = fresh,
                    None => return refusal(&answer),
                },
                Some(_) => return refusal(&answer),
            }
        }
        TurnCheck::Refused {
            code: CODE_STALE_NONCE.0,
            reason: "Stale Nonce".into(),
        }
    }

    /// Sends `request` until its answer comes (retransmitting every [`RETRANSMIT_AFTER`])
    /// or the deadline passes.
    async fn ask(&self, request: Message) -> Option<Message> {
        let mut buffer = vec![0u8; 1500];
        loop {
            let now = tokio::time::Instant::now();
            if now >= self.deadline {
                return None;
            }
            // A send that fails (no route yet) is retried like a lost one.
            let _ = self.socket.send_to(&request.raw, self.server).await;
            let wait_until = (now + RETRANSMIT_AFTER).min(self.deadline);
            while let Ok(received) =
                tokio::time::timeout_at(wait_until, self.socket.recv_from(&mut buffer)).await
            {
                let Ok((length, from)) = received else {
                    break;
                };
                let mut answer = Message::new();
                if from == self.server
                    && answer.unmarshal_binary(&buffer[..length]).is_ok()
                    && answer.transaction_id == request.transaction_id
                {
                    return Some(answer);
                }
            }
        }
    }
}

/// A STUN request from its attributes. (Built apart from [`Exchange::ask`]: the setters are
/// not `Send` and must not live across its awaits.)
fn request(setters: &[Box<dyn Setter + '_>]) -> Option<Message> {
    let mut message = Message::new();
    message.build(setters).ok()?;
    Some(message)
}

/// The nonce of a 401 or 438 answer (the server's challenge), if it is one.
fn challenge_of(answer: &Message) -> Option<Nonce> {
    let (code, _) = error_of(answer)?;
    if code != CODE_UNAUTHORIZED.0 && code != CODE_STALE_NONCE.0 {
        return None;
    }
    Nonce::get_from_as(answer, ATTR_NONCE).ok()
}

/// An error answer's code and reason; `None` for any other answer.
fn error_of(answer: &Message) -> Option<(u16, String)> {
    if answer.typ.class != CLASS_ERROR_RESPONSE {
        return None;
    }
    let mut error = ErrorCodeAttribute::default();
    match error.get_from(answer) {
        Ok(()) => Some((
            error.code.0,
            String::from_utf8_lossy(&error.reason).into_owned(),
        )),
        Err(_) => Some((0, String::new())),
    }
}

fn refusal(answer: &Message) -> TurnCheck {
    let (code, reason) = error_of(answer).unwrap_or((0, "an unexpected answer".into()));
    TurnCheck::Refused { code, reason }
}

#[cfg(test)]
mod tests {
    //! Against Debian's coturn on loopback (installed by `make deps`), configured as the tests'
    //! TURN server is (`tests/lib/coturn.mjs`): coturn's `use-auth-secret` credentials.
    use std::process::{Child, Command, Stdio};
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    const SECRET: &str = "the-secret-coturn-has";
    const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    struct Coturn {
        child: Child,
        url: String,
        dir: std::path::PathBuf,
    }

    impl Drop for Coturn {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn free_udp_port() -> u16 {
        std::net::UdpSocket::bind((LOOPBACK, 0))
            .and_then(|socket| socket.local_addr())
            .expect("a free UDP port")
            .port()
    }

    fn coturn() -> Coturn {
        let port = free_udp_port();
        let dir = std::env::temp_dir().join(format!("lens-coturn-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new("/usr/bin/turnserver")
            .args([
                "-n",
                "--use-auth-secret",
                "--realm=lens.test",
                "--no-tls",
                "--no-dtls",
            ])
            .arg(format!("--static-auth-secret={SECRET}"))
            .args([
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                "--no-cli",
            ])
            .arg(format!("--listening-port={port}"))
            .arg(format!("--db={}", dir.join("turndb").display()))
            .arg(format!("--pidfile={}", dir.join("pid").display()))
            .args(["--log-file=stdout", "--no-tcp-relay"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("coturn's turnserver (Debian's coturn package; make deps installs it)");
        Coturn {
            child,
            url: format!("turn:127.0.0.1:{port}?transport=udp"),
            dir,
        }
    }

    /// coturn's TURN REST credential: `<expiry>:<name>` and base64(HMAC-SHA1(secret, user)),
    /// made with openssl as the server test's reference vector is.
    fn credential(secret: &str, expires_in: i64) -> (String, String) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let user = format!("{}:session", now + expires_in);
        let output = Command::new("sh")
            .arg("-c")
            .arg("printf %s \"$USER_NAME\" | openssl dgst -sha1 -hmac \"$SECRET\" -binary | base64")
            .env("USER_NAME", &user)
            .env("SECRET", secret)
            .output()
            .expect("openssl");
        (
            user,
            String::from_utf8(output.stdout).unwrap().trim().to_owned(),
        )
    }

    /// The first check waits for coturn to be up (it says nothing when it is).
    async fn usable_once_up(server: &Coturn) {
        let (user, password) = credential(SECRET, 600);
        let mut last = TurnCheck::Unanswered;
        for _ in 0..20 {
            last = check(
                &server.url,
                &user,
                &password,
                LOOPBACK,
                Duration::from_millis(500),
            )
            .await;
            if last != TurnCheck::Unanswered {
                break;
            }
        }
        assert_eq!(last, TurnCheck::Usable, "the right credentials");
    }

    #[tokio::test]
    async fn right_credentials_are_usable_and_wrong_or_expired_ones_are_refused_with_401() {
        let server = coturn();
        usable_once_up(&server).await;
        let within = Duration::from_secs(3);

        let (user, password) = credential("not-the-secret", 600);
        let wrong = check(&server.url, &user, &password, LOOPBACK, within).await;
        assert!(
            matches!(wrong, TurnCheck::Refused { code: 401, .. }),
            "{wrong:?}"
        );

        let (user, password) = credential(SECRET, -60);
        let expired = check(&server.url, &user, &password, LOOPBACK, within).await;
        assert!(
            matches!(expired, TurnCheck::Refused { code: 401, .. }),
            "{expired:?}"
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_unanswered_after_the_time_given() {
        // A bound socket that reads nothing: the requests arrive and vanish.
        let sink = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
        let url = format!(
            "turn:127.0.0.1:{}?transport=udp",
            sink.local_addr().unwrap().port()
        );
        let started = tokio::time::Instant::now();
        let result = check(&url, "u", "p", LOOPBACK, Duration::from_millis(1200)).await;
        assert_eq!(result, TurnCheck::Unanswered);
        assert!(started.elapsed() >= Duration::from_millis(1200));
    }

    #[tokio::test]
    async fn tcp_and_tls_servers_are_left_to_the_console() {
        for url in [
            "turn:127.0.0.1:3478?transport=tcp",
            "turns:127.0.0.1:5349",
            "stun:127.0.0.1:3478",
        ] {
            assert_eq!(
                check(url, "u", "p", LOOPBACK, Duration::from_millis(100)).await,
                TurnCheck::NotChecked
            );
        }
    }
}
