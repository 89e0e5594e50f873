//! Certificates from an ACME CA (Let's Encrypt by default) for a server that faces the
//! internet directly: `--acme-domain support.example.com`. rustls-acme orders the certificate,
//! answers the CA's TLS-ALPN-01 challenge on the server's own TLS port (so the server must be
//! reachable on 443 under that name), keeps the account and certificates in a cache directory
//! and renews before expiry.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use futures_util::StreamExt;
use rustls::RootCertStore;
use rustls::crypto::ring;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::ResolvesServerCert;
use rustls_acme::AcmeConfig;
use rustls_acme::caches::DirCache;

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeSettings {
    /// The names the certificate is for; the first is the public URL's host.
    pub domains: Vec<String>,
    /// `mailto:` addresses the CA writes to about expiry and problems.
    pub contact: Vec<String>,
    /// Account key and certificates (private keys: created 0700).
    pub cache_dir: PathBuf,
    /// The CA's directory URL.
    pub directory: String,
    /// Trust only this CA (PEM) for the directory's own HTTPS: a private ACME server. None:
    /// the usual web roots.
    pub directory_ca: Option<PathBuf>,
}

/// What the TLS acceptor needs: the certificate of the day, and the challenge certificate
/// the CA asks for on an `acme-tls/1` connection.
pub struct AcmeCertificates {
    pub resolver: Arc<dyn ResolvesServerCert>,
    pub challenge: Arc<rustls::ServerConfig>,
}

/// Starts ordering (or loads the cached certificate) in the background. Handshakes before a
/// certificate is there fail, and are logged as such.
pub fn start(settings: &AcmeSettings) -> anyhow::Result<AcmeCertificates> {
    anyhow::ensure!(
        !settings.domains.is_empty(),
        "ACME needs at least one domain"
    );
    private_dir(&settings.cache_dir)?;
    let provider = Arc::new(ring::default_provider());
    let config = match &settings.directory_ca {
        None => AcmeConfig::new_with_provider(&settings.domains, provider.clone()),
        Some(ca) => AcmeConfig::new_with_client_config(
            &settings.domains,
            Arc::new(
                rustls::ClientConfig::builder_with_provider(provider.clone())
                    .with_safe_default_protocol_versions()
                    .context("TLS protocol versions")?
                    .with_root_certificates(roots_from(ca)?)
                    .with_no_client_auth(),
            ),
        ),
    };
    let mut state = config
        .contact(&settings.contact)
        .directory(&settings.directory)
        .cache(DirCache::new(settings.cache_dir.clone()))
        .state();
    let certificates = AcmeCertificates {
        resolver: state.resolver(),
        challenge: state.challenge_rustls_config_with_provider(provider),
    };
    let domains = settings.domains.join(",");
    tokio::spawn(async move {
        // The state machine orders, deploys and renews only while it is polled.
        while let Some(event) = state.next().await {
            match event {
                Ok(ok) => tracing::info!(domains, event = ?ok, "ACME"),
                Err(error) => tracing::error!(domains, %error, "ACME certificate not obtained"),
            }
        }
    });
    Ok(certificates)
}

fn roots_from(ca: &std::path::Path) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(ca)
        .with_context(|| format!("reading the ACME directory's CA {}", ca.display()))?
    {
        roots
            .add(certificate.context("parsing the ACME directory's CA")?)
            .context("adding the ACME directory's CA")?;
    }
    Ok(roots)
}

/// The cache holds the account key and the certificates' private keys.
fn private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the ACME cache {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    Ok(())
}
