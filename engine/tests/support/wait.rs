//! Waiting in the engine's integration tests: for something a test can poll, and for the
//! engine's connection to the technician.

use std::time::{Duration, Instant};

use lens_engine::media::PeerEvent;
use tokio::sync::mpsc::UnboundedReceiver;

/// Polls `condition` every 20 ms until it holds; fails the test, naming `what`, after `limit`.
pub async fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for the engine to say it connected, and returns when it did; fails the test if the
/// connection fails or closes first, or takes longer than `limit`.
pub async fn connected(events: &mut UnboundedReceiver<PeerEvent>, limit: Duration) -> Instant {
    tokio::time::timeout(limit, async {
        loop {
            match events
                .recv()
                .await
                .expect("the engine's event channel open")
            {
                PeerEvent::Connected => return Instant::now(),
                PeerEvent::Failed | PeerEvent::Closed => panic!("the connection failed"),
                _ => {}
            }
        }
    })
    .await
    .expect("connected in time")
}
