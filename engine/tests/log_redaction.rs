//! Secrets stay out of the logs: during a whole join (PIN look-up, licence, the signalling
//! connection that carries the customer's token, leaving) the engine's log at its most
//! verbose level holds neither the PIN nor the token.

mod stand_in;

use std::io::Write;
use std::sync::{Arc, Mutex};

use lens_core::signal::CustomerMessage;
use stand_in::{
    CUSTOMER_TOKEN, StandIn, engine_with_stand_in, join_and_accept, next_from_customer,
};
use tracing_subscriber::fmt::MakeWriter;

const PIN: &str = "483920";

/// Everything logged, in one buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_the_pin_nor_the_token_reaches_the_log() {
    let log = Captured::default();
    // Global: the engine logs from the runtime's worker threads, not only this one.
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(log.clone())
            .finish(),
    )
    .unwrap();

    let StandIn {
        engine,
        mut from_customer,
        // Kept: the stand-in serves for as long as this sender lives.
        to_customer: _to_customer,
    } = engine_with_stand_in().await;
    // Through the signalling connection, opened with the token, to waiting.
    let _events = join_and_accept(&engine, PIN, &mut from_customer).await;
    engine.leave().unwrap();
    assert_eq!(
        next_from_customer(&mut from_customer).await,
        CustomerMessage::Leave
    );
    engine.shutdown().await;

    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    // The capture works: the driver's commands are in it, the token's among them.
    assert!(log.contains("ConnectSignalling"), "{log}");
    assert!(
        !log.contains(CUSTOMER_TOKEN),
        "the token is in the log:\n{log}"
    );
    assert!(!log.contains(PIN), "the PIN is in the log:\n{log}");
}
