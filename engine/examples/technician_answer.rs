//! The technician's browser, reduced to its media: answers one customer offer with the
//! engine tests' webrtc-rs technician (H.264 and Opus as a browser offers them, decoding what
//! arrives) so that a test without a browser can take a session to Live. The Kotlin binding
//! tests (tests/kotlin/src/MediaAnswerer.kt) relay the offer and the answer through the
//! technician's console socket.
//!
//! ```text
//! technician_answer < offer.sdp
//! ```
//!
//! Reads the offer's SDP from stdin until EOF and prints `{"sdp":…}` (the answer, with its
//! candidates) as one line on stdout, then `{"connected":true}` once the customer's media
//! connected, and a line a second with the frames decoded so far. Runs until it is killed.
//! Binds 127.0.0.1 only.

#[path = "../tests/support/reorder.rs"]
mod reorder;
#[allow(dead_code)]
#[path = "../tests/support/technician.rs"]
mod technician;

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use technician::{Received, technician_answering};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut offer = String::new();
    std::io::stdin().read_to_string(&mut offer)?;
    let received = Arc::new(Received::default());
    let technician = technician_answering(&offer, received.clone()).await;
    println!("{}", serde_json::json!({ "sdp": technician.answer }));
    let mut connected = technician.connected.clone();
    connected.wait_for(|c| *c).await?;
    println!("{}", serde_json::json!({ "connected": true }));
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let decoded = received.frames_decoded.load(Ordering::SeqCst);
        println!("{}", serde_json::json!({ "frames_decoded": decoded }));
    }
}
