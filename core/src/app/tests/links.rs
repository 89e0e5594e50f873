//! Seeds 001, 002 and 003: the app opened from a link in an e-mail, a chat or a messaging
//! app joins without typing; a link for a host the app does not know is refused in words.

use super::*;

#[test]
fn seed_001_email_link_on_first_start_joins_at_once_then_tutorial_permissions_licence() {
    let en = en();
    let mut sim = Sim::new(first_start(), None);
    sim.tap(Intent::OpenedLink {
        url: "https://support.example/123456".into(),
    });
    // Joined at once, no typing; the first-start tutorial still shows (seed 001: "the
    // customer may see a tutorial", then the permissions).
    assert_eq!(sim.took_commands(), vec![Command::ResolvePin(pin())]);
    assert_eq!(sim.name(), "tutorial");
    sim.world(Input::Resolved(joined("v1")));
    sim.world(Input::SignallingConnected);
    assert_eq!(sim.app.session().state(), &SessionState::NeedsPermissions);
    assert_eq!(sim.name(), "tutorial");

    sim.tap(Intent::TutorialNext);
    sim.tap(Intent::TutorialNext);
    sim.tap(Intent::TutorialNext);
    assert_eq!(sim.took_effects(), vec![Effect::SaveTutorialSeen]);
    // The session's own permissions step.
    shown!(sim, Screen::Permissions { body, .. } => assert_eq!(body, &en.get("permissions-body")));
    sim.tap(Intent::AllowPermissions);
    assert_eq!(sim.took_effects(), vec![Effect::RequestPermissions]);
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    assert_eq!(sim.name(), "licence");
    sim.tap(Intent::Accept { at_unix_ms: 9 });
    assert_eq!(sim.name(), "waiting");
    sim.server(ServerToCustomer::start());
    assert!(sim.commands.contains(&Command::StartMedia {
        camera: true,
        microphone: true,
        ice: Default::default(),
    }));
}

#[test]
fn seed_003_app_link_on_a_later_start_goes_straight_to_joining() {
    let mut sim = Sim::new(later_start(), None);
    sim.tap(Intent::OpenedLink {
        url: "lens://join/123456".into(),
    });
    assert_eq!(sim.took_commands(), vec![Command::ResolvePin(pin())]);
    assert_eq!(
        sim.screens.iter().map(Screen::name).collect::<Vec<_>>(),
        ["enter_pin", "joining"]
    );
    sim.world(Input::Resolved(joined("v1")));
    assert_eq!(sim.name(), "licence", "permissions were known: no prompt");
}

#[test]
fn seed_003_web_link_by_messaging_tool_joins_too() {
    let mut sim = Sim::new(later_start(), None);
    sim.tap(Intent::OpenedLink {
        url: "https://support.example/join/123456".into(),
    });
    assert_eq!(sim.took_commands(), vec![Command::ResolvePin(pin())]);
}

#[test]
fn seed_002_chat_links_with_a_code_parameter_and_the_mobile_link_join() {
    for url in [
        "https://oty.com/?code=123456",
        "https://RescueMobile.com/123456",
    ] {
        let mut sim = Sim::new(later_start(), None);
        sim.tap(Intent::OpenedLink { url: url.into() });
        assert_eq!(
            sim.took_commands(),
            vec![Command::ResolvePin(pin())],
            "{url}"
        );
        assert_eq!(sim.name(), "joining");
    }
}

#[test]
fn a_link_for_an_unknown_host_is_refused_with_its_sentence_and_nothing_is_joined() {
    let mut sim = Sim::new(later_start(), None);
    sim.typed("12");
    sim.tap(Intent::OpenedLink {
        url: "https://evil.example/123456".into(),
    });
    assert!(sim.commands.is_empty(), "no server is asked");
    let expected = en().join_input_error(&JoinInputError::UnknownHost {
        host: "evil.example".into(),
    });
    assert!(expected.contains("evil.example"));
    shown!(sim, Screen::EnterPin { input, problem, join, .. } => {
        assert_eq!(input, "", "the link is not put into the field");
        assert_eq!(problem, &Some(expected));
        assert!(!join.enabled);
    });
    // Typing the PIN by hand still works.
    sim.typed("123456");
    sim.tap(Intent::Join);
    assert_eq!(sim.took_commands(), vec![Command::ResolvePin(pin())]);
}

#[test]
fn an_insecure_link_on_the_end_screen_shows_the_pin_field_with_its_sentence() {
    let mut sim = Sim::live();
    sim.tap(Intent::Leave);
    assert_eq!(sim.name(), "ended");
    sim.tap(Intent::OpenedLink {
        url: "http://support.example/123456".into(),
    });
    shown!(sim, Screen::EnterPin { problem, .. } =>
        assert_eq!(problem, &Some(en().join_input_error(&JoinInputError::InsecureScheme))));
}

#[test]
fn a_link_while_a_session_is_in_progress_is_refused() {
    let mut sim = Sim::at_licence();
    sim.tap(Intent::Accept { at_unix_ms: 1 });
    sim.took_commands();
    let refused = sim
        .intent(Intent::OpenedLink {
            url: "https://support.example/654321".into(),
        })
        .expect_err("a session is in progress");
    assert_eq!(refused.state, "waiting");
    assert!(sim.commands.is_empty());
    assert_eq!(sim.name(), "waiting");
}

#[test]
fn a_link_after_a_session_ended_joins_the_new_one() {
    let mut sim = Sim::live();
    sim.server(ServerToCustomer::End {
        reason: EndReason::TechnicianEnded,
    });
    sim.took_commands();
    sim.tap(Intent::OpenedLink {
        url: "lens://join/654321".into(),
    });
    assert_eq!(
        sim.took_commands(),
        vec![Command::ResolvePin(Pin::from_digits("654321").unwrap())]
    );
    assert_eq!(sim.name(), "joining");
}
