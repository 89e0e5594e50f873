//! What the customer sees when the camera or the microphone is refused.

use super::*;

/// A start with the tutorial seen, on the permissions screen.
fn asking(allow_without_microphone: bool) -> Sim {
    let mut sim = Sim::new(
        AppConfig {
            tutorial_seen: true,
            allow_without_microphone,
            ..first_start()
        },
        None,
    );
    assert_eq!(sim.name(), "permissions");
    sim.tap(Intent::AllowPermissions);
    sim.took_effects();
    sim
}

#[test]
fn camera_refused_explains_offers_settings_and_trying_again_but_not_going_on() {
    let en = en();
    let mut sim = asking(true);
    sim.tap(Intent::PermissionsAnswered {
        camera: false,
        microphone: true,
    });
    shown!(sim, Screen::PermissionsRefused { title, body, open_settings, try_again, without_microphone } => {
        assert_eq!(title, &en.get("permissions-refused-title"));
        assert_eq!(body, &en.get("permissions-refused-camera-body"));
        assert_eq!(open_settings.label, en.get("permissions-open-settings"));
        assert_eq!(try_again.label, en.get("permissions-try-again"));
        assert_eq!(without_microphone, &None);
    });
    assert!(sim.intent(Intent::JoinWithoutMicrophone).is_err());
    assert!(
        sim.intent(Intent::Typed { text: "1".into() }).is_err(),
        "no PIN field"
    );

    sim.tap(Intent::OpenSettings);
    sim.tap(Intent::AllowPermissions);
    assert_eq!(
        sim.took_effects(),
        vec![Effect::OpenSystemSettings, Effect::RequestPermissions]
    );
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    assert_eq!(sim.name(), "enter_pin");
}

#[test]
fn microphone_refused_where_allowed_goes_on_with_the_camera_only() {
    let en = en();
    let mut sim = asking(true);
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: false,
    });
    shown!(sim, Screen::PermissionsRefused { title, body, without_microphone, .. } => {
        assert_eq!(title, &en.get("permissions-refused-microphone-title"));
        assert_eq!(body, &en.get("permissions-refused-microphone-body"));
        assert_eq!(without_microphone.as_ref().map(|b| b.label.clone()),
            Some(en.get("permissions-without-microphone")));
    });
    sim.tap(Intent::JoinWithoutMicrophone);
    assert_eq!(sim.name(), "enter_pin");

    sim.typed("123456");
    sim.tap(Intent::Join);
    sim.world(Input::Resolved(joined("v1")));
    assert_eq!(sim.name(), "licence", "the session took the answers");
    sim.tap(Intent::Accept { at_unix_ms: 1 });
    sim.server(ServerToCustomer::start());
    assert!(sim.commands.contains(&Command::StartMedia {
        camera: true,
        microphone: false,
        ice: Default::default(),
    }));
    sim.world(Input::PeerConnected);
    assert!(!live_controls(&sim).mute.enabled, "nothing to mute");
    assert!(sim.intent(Intent::SetMuted { muted: true }).is_err());
}

#[test]
fn microphone_refused_where_required_offers_only_settings_and_trying_again() {
    let en = en();
    let mut sim = asking(false);
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: false,
    });
    shown!(sim, Screen::PermissionsRefused { body, without_microphone, .. } => {
        assert_eq!(body, &en.get("permissions-refused-microphone-required-body"));
        assert_eq!(without_microphone, &None);
    });
    assert!(sim.intent(Intent::JoinWithoutMicrophone).is_err());
    assert_eq!(sim.name(), "permissions_refused");
}

#[test]
fn a_refusal_in_the_link_flow_holds_the_session_at_its_permissions_step() {
    let mut sim = Sim::new(
        AppConfig {
            tutorial_seen: true,
            ..first_start()
        },
        None,
    );
    sim.tap(Intent::OpenedLink {
        url: "lens://join/123456".into(),
    });
    sim.world(Input::Resolved(joined("v1")));
    assert_eq!(sim.name(), "permissions");
    sim.tap(Intent::AllowPermissions);
    sim.tap(Intent::PermissionsAnswered {
        camera: false,
        microphone: false,
    });
    assert_eq!(sim.name(), "permissions_refused");
    assert_eq!(
        sim.app.session().state(),
        &SessionState::NeedsPermissions,
        "a refusal is not passed on: the customer may still fix it"
    );
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    assert_eq!(sim.name(), "licence");
}

#[test]
fn what_the_platform_already_knows_needs_no_prompt() {
    let sim = Sim::new(
        AppConfig {
            permissions: Some((true, true)),
            ..first_start()
        },
        None,
    );
    assert_eq!(sim.name(), "tutorial");
    let mut sim = sim;
    sim.tap(Intent::TutorialSkip);
    assert_eq!(sim.name(), "enter_pin", "no permissions screen");

    // A refusal the platform remembers is explained at once.
    let mut sim = Sim::new(
        AppConfig {
            permissions: Some((false, true)),
            ..later_start()
        },
        None,
    );
    assert_eq!(sim.name(), "permissions_refused");
    sim.tap(Intent::AllowPermissions);
    assert_eq!(sim.took_effects(), vec![Effect::RequestPermissions]);
}
