use super::*;

#[test]
fn a_new_subscriber_gets_the_current_state_first_then_every_change() {
    let listeners = Listeners::new(SessionState::Idle);
    listeners.publish(SessionEvent::StateChanged(SessionState::ResolvingPin));
    let mut rx = listeners.subscribe();
    listeners.publish(SessionEvent::StateChanged(SessionState::Connecting));
    assert_eq!(
        rx.try_recv().unwrap(),
        SessionEvent::StateChanged(SessionState::ResolvingPin)
    );
    assert_eq!(
        rx.try_recv().unwrap(),
        SessionEvent::StateChanged(SessionState::Connecting)
    );
    assert!(rx.try_recv().is_err());
}

#[test]
fn dropped_subscribers_are_forgotten() {
    let listeners = Listeners::new(SessionState::Idle);
    drop(listeners.subscribe());
    listeners.publish(SessionEvent::Reconnected);
    assert!(listeners.inner.lock().unwrap().subscribers.is_empty());
}

fn joining() -> Screen {
    Screen::Joining {
        title: "Joining".into(),
        body: "Looking up your PIN".into(),
    }
}

fn ended() -> Screen {
    Screen::Ended {
        title: "Session over".into(),
        reason: "The technician ended the session".into(),
        back: lens_core::app::Button {
            label: "Back".into(),
            enabled: true,
        },
    }
}

#[test]
fn an_app_subscriber_gets_the_current_screen_then_screens_and_effects_in_order() {
    let listeners = Listeners::<AppUpdate>::new(joining());
    let mut rx = listeners.subscribe();
    listeners.publish(AppUpdate::Effect(Effect::SaveTutorialSeen));
    listeners.publish(AppUpdate::Screen(ended()));
    assert_eq!(rx.try_recv().unwrap(), AppUpdate::Screen(joining()));
    assert_eq!(
        rx.try_recv().unwrap(),
        AppUpdate::Effect(Effect::SaveTutorialSeen)
    );
    assert_eq!(rx.try_recv().unwrap(), AppUpdate::Screen(ended()));
    assert!(rx.try_recv().is_err());
    // An effect is not a state: a late subscriber starts from the last screen only.
    assert_eq!(listeners.current(), ended());
    let mut late = listeners.subscribe();
    assert_eq!(late.try_recv().unwrap(), AppUpdate::Screen(ended()));
    assert!(late.try_recv().is_err());
}
