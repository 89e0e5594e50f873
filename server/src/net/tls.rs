//! Built-in TLS for a server that faces the internet without a reverse proxy: a certificate
//! chain and key from PEM files (what certbot and every ACME client write), re-read when the
//! files change so that a renewal needs no restart; or certificates ordered by the server
//! itself over ACME (`acme.rs`).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{LazyConfigAcceptor, TlsAcceptor};

use crate::net::acme::{self, AcmeSettings};

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    Files(TlsFiles),
    Acme(AcmeSettings),
}

/// Where the certificate chain and its private key are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM: the server certificate first, then the intermediates (certbot's fullchain.pem).
    pub cert: PathBuf,
    /// PEM: PKCS#8, PKCS#1 or SEC1 private key (certbot's privkey.pem).
    pub key: PathBuf,
}

/// How often the files are checked for a renewed certificate.
const RELOAD_CHECK_EVERY: Duration = Duration::from_secs(60);

/// Turns accepted TCP connections into TLS streams.
#[derive(Clone)]
pub enum Acceptor {
    Files(TlsAcceptor),
    Acme {
        serving: Arc<rustls::ServerConfig>,
        challenge: Arc<rustls::ServerConfig>,
    },
}

impl Acceptor {
    /// The TLS stream, or None when the connection was the ACME CA's challenge (answered,
    /// nothing to serve).
    pub async fn accept(&self, tcp: TcpStream) -> io::Result<Option<TlsStream<TcpStream>>> {
        match self {
            Acceptor::Files(acceptor) => acceptor.accept(tcp).await.map(Some),
            Acceptor::Acme { serving, challenge } => {
                let start = LazyConfigAcceptor::new(Default::default(), tcp).await?;
                if rustls_acme::is_tls_alpn_challenge(&start.client_hello()) {
                    let mut answered = start.into_stream(challenge.clone()).await?;
                    answered.shutdown().await?;
                    return Ok(None);
                }
                start.into_stream(serving.clone()).await.map(Some)
            }
        }
    }
}

/// The acceptor for the listener; fails at start-up on unreadable or mismatched files, so a
/// typo is found by whoever starts the server rather than by the first customer.
pub fn acceptor(source: &TlsSource) -> anyhow::Result<Acceptor> {
    match source {
        TlsSource::Files(files) => {
            let resolver = Arc::new(ReloadingCert::load(files.clone())?);
            spawn_reloader(Arc::downgrade(&resolver));
            Ok(Acceptor::Files(TlsAcceptor::from(serving_config(
                resolver,
            )?)))
        }
        TlsSource::Acme(settings) => {
            let certificates = acme::start(settings)?;
            Ok(Acceptor::Acme {
                serving: serving_config(certificates.resolver)?,
                challenge: certificates.challenge,
            })
        }
    }
}

fn serving_config(
    resolver: Arc<dyn ResolvesServerCert>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_cert_resolver(resolver);
    // HTTP/1.1 only: the console's WebSockets upgrade over it, and one protocol means one
    // set of connection timeouts to get right (see serve.rs).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn spawn_reloader(resolver: std::sync::Weak<ReloadingCert>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(RELOAD_CHECK_EVERY);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let Some(resolver) = resolver.upgrade() else {
                return;
            };
            resolver.reload_if_changed();
        }
    });
}

/// Serves the certificate last loaded; swapped when the files change.
#[derive(Debug)]
struct ReloadingCert {
    files: TlsFiles,
    current: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    key: Arc<CertifiedKey>,
    modified: (Option<SystemTime>, Option<SystemTime>),
}

impl ReloadingCert {
    fn load(files: TlsFiles) -> anyhow::Result<ReloadingCert> {
        let loaded = load(&files)?;
        Ok(ReloadingCert {
            files,
            current: RwLock::new(loaded),
        })
    }

    fn reload_if_changed(&self) {
        let modified = modified_times(&self.files);
        if self.current.read().expect("certificate lock").modified == modified {
            return;
        }
        match load(&self.files) {
            Ok(loaded) => {
                *self.current.write().expect("certificate lock") = loaded;
                tracing::info!(cert = %self.files.cert.display(), "TLS certificate reloaded");
            }
            // A renewal caught half-written, or a broken one: keep serving the old
            // certificate and say why, once per change.
            Err(error) => {
                self.current.write().expect("certificate lock").modified = modified;
                tracing::error!(error = %format!("{error:#}"), "TLS certificate not reloaded");
            }
        }
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().expect("certificate lock").key.clone())
    }
}

fn modified_times(files: &TlsFiles) -> (Option<SystemTime>, Option<SystemTime>) {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    (modified(&files.cert), modified(&files.key))
}

fn load(files: &TlsFiles) -> anyhow::Result<Loaded> {
    let modified = modified_times(files);
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("reading the TLS certificate {}", files.cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing the TLS certificate {}", files.cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{} holds no PEM certificate",
        files.cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("reading the TLS private key {}", files.key.display()))?;
    let key = CertifiedKey::from_der(chain, key, &ring::default_provider()).with_context(|| {
        format!(
            "the key {} does not belong to the certificate {}",
            files.key.display(),
            files.cert.display()
        )
    })?;
    Ok(Loaded {
        key: Arc::new(key),
        modified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_certificate(files: &TlsFiles) -> Vec<u8> {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(&files.cert, made.cert.pem()).unwrap();
        std::fs::write(&files.key, made.signing_key.serialize_pem()).unwrap();
        made.cert.der().to_vec()
    }

    fn served(resolver: &ReloadingCert) -> Vec<u8> {
        resolver.current.read().unwrap().key.cert[0].to_vec()
    }

    #[test]
    fn a_renewed_certificate_is_served_and_a_broken_one_is_not() {
        let dir = std::env::temp_dir().join(format!("lens-tls-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = TlsFiles {
            cert: dir.join("fullchain.pem"),
            key: dir.join("privkey.pem"),
        };
        let first = write_certificate(&files);
        let resolver = ReloadingCert::load(files.clone()).unwrap();
        assert_eq!(served(&resolver), first);
        resolver.reload_if_changed();
        assert_eq!(served(&resolver), first, "unchanged files are not reloaded");

        // File times have sub-second resolution here; the pause makes the change visible
        // on coarser file systems too.
        std::thread::sleep(Duration::from_millis(1100));
        let renewed = write_certificate(&files);
        resolver.reload_if_changed();
        assert_eq!(served(&resolver), renewed, "the renewal is served");

        std::thread::sleep(Duration::from_millis(1100));
        std::fs::write(&files.cert, "half-written").unwrap();
        resolver.reload_if_changed();
        assert_eq!(
            served(&resolver),
            renewed,
            "a broken file keeps the old certificate"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_key_of_another_certificate_is_refused_at_start() {
        let dir = std::env::temp_dir().join(format!("lens-tls-mismatch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = TlsFiles {
            cert: dir.join("fullchain.pem"),
            key: dir.join("privkey.pem"),
        };
        write_certificate(&files);
        let other = rcgen::generate_simple_self_signed(vec!["other".into()]).unwrap();
        std::fs::write(&files.key, other.signing_key.serialize_pem()).unwrap();
        let error = ReloadingCert::load(files).unwrap_err();
        assert!(
            format!("{error:#}").contains("does not belong"),
            "{error:#}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
