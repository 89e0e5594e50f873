//! Finding 6: a console socket outlived its log-in. After a password reset (which deletes
//! the technician's log-ins) whoever had the old password kept the open console, with its
//! customers' names and the power to start their cameras, for up to 12 hours.

use std::time::{Duration, Instant};

use lens_core::signal::TechnicianMessage;

use crate::common::{Console, TESS_EMAIL, TESS_NAME, TESS_PASSWORD, Technician};
use crate::operator::{add_technician_ok, start_with_database};

/// The close code of a console whose log-in ended (`CloseReason::SIGNED_OUT`).
const SIGNED_OUT: u16 = 4401;

async fn close_code(console: &mut Console) -> Option<u16> {
    console.closed().await.map(|frame| u16::from(frame.code))
}

/// The operator gives Tess a new password (`lens-server add-technician`, another process).
async fn reset_tess(database: &str) {
    add_technician_ok(database, TESS_EMAIL, TESS_NAME, "the new password", &[]).await;
}

#[tokio::test]
async fn a_console_open_before_a_password_reset_is_closed_at_its_next_command() {
    // The periodic check is out of the picture here: only the command may notice.
    let (lens, database) = start_with_database(|config| {
        config.login_check_every = Duration::from_secs(3600);
    })
    .await;
    let intruder = lens.tess().await;
    let mut console = intruder.console().await;
    reset_tess(&database).await;
    console
        .send(&TechnicianMessage::End {
            session_id: "any".into(),
        })
        .await;
    assert_eq!(close_code(&mut console).await, Some(SIGNED_OUT));
}

#[tokio::test]
async fn every_console_of_a_technician_closes_soon_after_a_password_reset_even_when_idle() {
    let (lens, database) = start_with_database(|config| {
        config.login_check_every = Duration::from_millis(200);
    })
    .await;
    // Tess signed in twice (say her laptop and whoever had her password), and a colleague.
    let mut tess_consoles = Vec::new();
    for _ in 0..2 {
        tess_consoles.push(lens.tess().await.console().await);
    }
    lens.add_technician("sam@example.com", "Sam", "sam's own password")
        .await;
    let sam = Technician::login(&lens.url, "sam@example.com", "sam's own password").await;
    let mut sam_console = sam.console().await;

    let reset_at = Instant::now();
    reset_tess(&database).await;
    for console in &mut tess_consoles {
        assert_eq!(close_code(console).await, Some(SIGNED_OUT));
    }
    eprintln!(
        "both of Tess's idle consoles closed {} ms after the reset began (check every 200 ms)",
        reset_at.elapsed().as_millis()
    );
    // The colleague's console is not touched.
    let quiet = sam_console.try_recv(Duration::from_millis(500)).await;
    assert_eq!(quiet.unwrap_err(), "timed out", "Sam's console stays open");
    // And the old password is gone for good: the stolen one no longer signs in.
    let status = reqwest::Client::new()
        .post(format!("{}/api/login", lens.url))
        .json(&serde_json::json!({ "email": TESS_EMAIL, "password": TESS_PASSWORD }))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
}
