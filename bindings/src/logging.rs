//! The core's and the engine's logs on the phone. Android: logcat with the `Lens` tag, through
//! `android_logger` (tracing's `log` feature turns each event into a log record while no
//! tracing subscriber is installed, which the library never does there). iOS: the unified log
//! (subsystem `app.lens`, category `engine`; `log stream --predicate 'subsystem == "app.lens"'`)
//! through a `tracing-oslog` layer, the one subscriber of the app's process; webrtc-rs's `log`
//! records reach it through tracing-subscriber's `tracing-log` bridge. Elsewhere the embedding
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
    #[cfg(target_os = "ios")]
    {
        use tracing_subscriber::filter::LevelFilter;
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;

        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // The same subsystem as the Swift side's `Logger` (ios/LensKit), so one predicate
            // shows both. A subscriber already set by the app is kept: `try_init` then fails
            // and the app's own subscriber receives the engine's events.
            let _ = tracing_subscriber::registry()
                .with(LevelFilter::INFO)
                .with(tracing_oslog::OsLogger::new("app.lens", "engine"))
                .try_init();
        });
    }
}
