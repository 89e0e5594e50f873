//! The app model run by the engine: the customer's taps go in as intents, the screens and
//! the shell's effects come out of `subscribe_app` in order, and the session underneath
//! talks to a server (a stand-in on loopback, `stand_in`) exactly as through the older API.

use std::time::Duration;

use crate::stand_in::{StandIn, engine_with_stand_in_configured, next_from_customer};
use lens_core::app::{Effect, Intent, Screen};
use lens_core::signal::CustomerMessage;
use lens_engine::AppUpdate;
use tokio::sync::mpsc::UnboundedReceiver;

/// A returning customer: tutorial seen, camera and microphone granted.
async fn returning_customer() -> StandIn {
    engine_with_stand_in_configured(|config| {
        config.tutorial_seen = true;
        config.permissions = Some((true, true));
        config.organisation = "Acme Support".into();
    })
    .await
}

async fn next_update(updates: &mut UnboundedReceiver<AppUpdate>) -> AppUpdate {
    tokio::time::timeout(Duration::from_secs(10), updates.recv())
        .await
        .expect("an app update within 10 s")
        .expect("the engine is running")
}

async fn next_screen(updates: &mut UnboundedReceiver<AppUpdate>) -> Screen {
    match next_update(updates).await {
        AppUpdate::Screen(screen) => screen,
        other => panic!("expected a screen, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_typed_joined_accepted_and_left_shows_each_screen_in_order() {
    let StandIn {
        engine,
        mut from_customer,
        to_customer: _to_customer,
    } = returning_customer().await;
    let mut updates = engine.subscribe_app();

    let start = next_screen(&mut updates).await;
    assert_eq!(start, engine.screen());
    let Screen::EnterPin {
        organisation, join, ..
    } = &start
    else {
        panic!("a returning customer starts on the PIN field, not {start:?}");
    };
    assert!(organisation.contains("Acme Support"), "{organisation}");
    assert!(!join.enabled);

    engine.intent(Intent::Typed {
        text: "12345".into(),
    });
    let Screen::EnterPin { problem, join, .. } = next_screen(&mut updates).await else {
        panic!("typing stays on the PIN field");
    };
    assert!(problem.is_some(), "five digits show what is wrong");
    assert!(!join.enabled, "Join with five digits");
    engine.intent(Intent::Typed {
        text: "123456".into(),
    });
    let Screen::EnterPin { problem, join, .. } = next_screen(&mut updates).await else {
        panic!("typing stays on the PIN field");
    };
    assert_eq!(problem, None);
    assert!(join.enabled, "Join with six digits");

    engine.intent(Intent::Join);
    assert_eq!(next_screen(&mut updates).await.name(), "joining");
    let licence = next_screen(&mut updates).await;
    let Screen::Licence { text, .. } = &licence else {
        panic!("expected the licence, got {licence:?}");
    };
    assert_eq!(text, "You agree.");
    engine.intent(Intent::Accept { at_unix_ms: 1 });
    assert_eq!(next_screen(&mut updates).await.name(), "waiting");
    assert!(matches!(
        next_from_customer(&mut from_customer).await,
        CustomerMessage::EulaAccepted { .. }
    ));

    // Mute is a button of the live screen only: before the technician started, the tap is
    // refused and changes nothing.
    engine.intent(Intent::SetMuted { muted: true });
    engine.intent(Intent::Leave);
    assert_eq!(
        next_from_customer(&mut from_customer).await,
        CustomerMessage::Leave
    );
    assert!(!engine.microphone_muted(), "a refused mute muted");
    let ended = next_screen(&mut updates).await;
    assert_eq!(ended.name(), "ended", "{ended:?}");
    engine.intent(Intent::BackToStart);
    let again = next_screen(&mut updates).await;
    assert!(
        matches!(&again, Screen::EnterPin { input, .. } if input.is_empty()),
        "{again:?}"
    );
    assert!(updates.try_recv().is_err(), "nothing after the PIN field");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_gets_the_effects_only_it_can_carry_out() {
    let StandIn { engine, .. } = engine_with_stand_in_configured(|_| {}).await;
    let mut updates = engine.subscribe_app();
    assert_eq!(next_screen(&mut updates).await.name(), "tutorial");

    engine.intent(Intent::TutorialSkip);
    assert_eq!(
        next_update(&mut updates).await,
        AppUpdate::Effect(Effect::SaveTutorialSeen)
    );
    assert_eq!(next_screen(&mut updates).await.name(), "permissions");
    engine.intent(Intent::AllowPermissions);
    assert_eq!(
        next_update(&mut updates).await,
        AppUpdate::Effect(Effect::RequestPermissions)
    );
    engine.intent(Intent::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    assert_eq!(next_screen(&mut updates).await.name(), "enter_pin");

    // A late subscriber starts from the screen on show.
    let mut late = engine.subscribe_app();
    assert_eq!(next_screen(&mut late).await, engine.screen());
    assert!(late.try_recv().is_err());
    engine.shutdown().await;
}
