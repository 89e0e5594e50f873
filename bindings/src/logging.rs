//! The core's and the engine's logs on the phone. Android: logcat with the `Lens` tag, through
//! `android_logger` (tracing's `log` feature turns each event into a log record while no
//! tracing subscriber is installed, which the library never does). Elsewhere the embedding
//! process decides (the tests and the desktop app install their own subscriber), so this is a
//! no-op. The engine never logs a PIN or a token (engine/tests/log_redaction.rs).

/// Installs the platform's logger once per process; later calls do nothing.
pub(crate) fn init() {
    #[cfg(target_os = "android")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            android_logger::init_once(
                android_logger::Config::default()
                    .with_tag("Lens")
                    .with_max_level(log::LevelFilter::Info),
            );
        });
    }
}
