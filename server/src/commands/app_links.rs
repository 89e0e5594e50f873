//! `serve`'s settings for the phone apps that links open (`AppLinksConfig`): from the flags,
//! or from the operator's `app.toml` (the one file the Android and iOS builds read too, so
//! that `/.well-known/assetlinks.json` and `apple-app-site-association` name the app that was
//! built). A flag given on the command line wins over the file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use lens_server::config::AppLinksConfig;
use serde::Deserialize;

/// The phone apps links open; see `AppLinksConfig`.
#[derive(clap::Args)]
pub(crate) struct AppLinksArgs {
    /// The operator's app file (app.toml at the repository's root): the Android application
    /// id and signing certificates, the iOS bundle id and team id.
    #[arg(long, env = "LENS_APP_CONFIG")]
    app_config: Option<PathBuf>,
    /// Apple developer team id (for /.well-known/apple-app-site-association).
    #[arg(long, env = "LENS_APPLE_TEAM_ID")]
    apple_team_id: Option<String>,
    /// The iOS app's bundle id.
    #[arg(long, env = "LENS_APPLE_BUNDLE_ID")]
    apple_bundle_id: Option<String>,
    /// The iOS app's numeric App Store id (Smart App Banner, App Store button).
    #[arg(long, env = "LENS_APPLE_APP_STORE_ID")]
    apple_app_store_id: Option<String>,
    /// The App Store page (default: derived from --apple-app-store-id).
    #[arg(long, env = "LENS_APP_STORE_URL")]
    app_store_url: Option<url::Url>,
    /// The Android app's package name (for /.well-known/assetlinks.json).
    #[arg(long, env = "LENS_ANDROID_PACKAGE")]
    android_package: Option<String>,
    /// SHA-256 fingerprint of the Android signing certificate (AA:BB:…); repeat or separate
    /// with commas for several.
    #[arg(long, env = "LENS_ANDROID_CERT_SHA256", value_delimiter = ',')]
    android_cert_sha256: Vec<String>,
    /// The Google Play page (default: derived from --android-package).
    #[arg(long, env = "LENS_PLAY_STORE_URL")]
    play_store_url: Option<url::Url>,
}

/// The part of app.toml the server reads; the apps' builds read the rest (name, colour, …).
#[derive(Debug, Default, Deserialize)]
struct AppFile {
    #[serde(default)]
    app: AppSection,
}

#[derive(Debug, Default, Deserialize)]
struct AppSection {
    android_application_id: Option<String>,
    #[serde(default)]
    android_cert_sha256: Vec<String>,
    ios_bundle_id: Option<String>,
    apple_team_id: Option<String>,
}

impl AppLinksArgs {
    pub(crate) fn into_config(self) -> anyhow::Result<AppLinksConfig> {
        let file = match &self.app_config {
            Some(path) => read_app_file(path)?,
            None => AppSection::default(),
        };
        let certificates = if self.android_cert_sha256.is_empty() {
            file.android_cert_sha256
        } else {
            self.android_cert_sha256
        };
        Ok(AppLinksConfig {
            apple_team_id: self.apple_team_id.or(set(file.apple_team_id)),
            apple_bundle_id: self.apple_bundle_id.or(set(file.ios_bundle_id)),
            apple_app_store_id: self.apple_app_store_id,
            app_store_url: self.app_store_url,
            android_package: self.android_package.or(set(file.android_application_id)),
            android_cert_fingerprints: certificates,
            play_store_url: self.play_store_url,
        })
    }
}

fn read_app_file(path: &Path) -> anyhow::Result<AppSection> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the app file {}", path.display()))?;
    let file: AppFile = toml::from_str(&text)
        .with_context(|| format!("the app file {} is not valid", path.display()))?;
    Ok(file.app)
}

/// An empty value in app.toml is a setting the operator has not filled in yet.
fn set(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        links: AppLinksArgs,
    }

    fn config(args: &[&str], app_toml: &str) -> anyhow::Result<AppLinksConfig> {
        let dir = std::env::temp_dir().join(format!("lens-app-toml-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // Tests run in parallel: each call writes a file of its own.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("app-{call}.toml"));
        std::fs::write(&path, app_toml)?;
        let path = path.to_string_lossy().into_owned();
        let mut argv = vec!["serve", "--app-config", path.as_str()];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)?.links.into_config()
    }

    const APP_TOML: &str = r#"
        [server]
        url = "https://lens.example.com"
        [app]
        name = "Lens"
        android_application_id = "com.example.lens"
        android_cert_sha256 = ["AA:BB"]
        ios_bundle_id = "com.example.lens.ios"
        apple_team_id = ""
    "#;

    #[test]
    fn the_app_file_names_the_apps_and_an_empty_value_is_unset() {
        let config = config(&[], APP_TOML).unwrap();
        assert_eq!(config.android_package.as_deref(), Some("com.example.lens"));
        assert_eq!(config.android_cert_fingerprints, vec!["AA:BB".to_string()]);
        assert_eq!(
            config.apple_bundle_id.as_deref(),
            Some("com.example.lens.ios")
        );
        assert_eq!(config.apple_team_id, None);
    }

    #[test]
    fn an_app_not_signed_yet_starts_the_server_without_assetlinks() {
        let unsigned = APP_TOML
            .replace(r#"["AA:BB"]"#, "[]")
            .replace(r#"apple_team_id = """#, r#"apple_team_id = "ABCDE12345""#);
        let config = config(&[], &unsigned).unwrap().validated().unwrap();
        assert_eq!(config.android_package.as_deref(), Some("com.example.lens"));
        assert!(lens_server::http::app_links::android_document(&config).is_none());
    }

    #[test]
    fn a_flag_wins_over_the_file() {
        let config = config(&["--android-package", "org.other.app"], APP_TOML).unwrap();
        assert_eq!(config.android_package.as_deref(), Some("org.other.app"));
    }

    #[test]
    fn a_broken_file_is_refused_with_its_path() {
        let error = config(&[], "[app\nname=").unwrap_err();
        assert!(format!("{error:#}").contains("is not valid"), "{error:#}");
    }
}
