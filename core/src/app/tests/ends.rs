//! The licence once per version, the ways a session ends before it began, and the
//! customer's language.

use super::*;
use crate::session::ResolveFailure;
use crate::signal::JoinRefusal;

fn stored(version: &str) -> Option<EulaRecord> {
    Some(EulaRecord {
        version: version.into(),
        accepted_at_unix_ms: 1,
    })
}

fn joining(stored_eula: Option<EulaRecord>) -> Sim {
    let mut sim = Sim::new(later_start(), stored_eula);
    sim.tap(Intent::OpenedLink {
        url: "lens://join/123456".into(),
    });
    sim.took_commands();
    sim
}

#[test]
fn a_licence_accepted_before_is_not_asked_again_but_a_new_version_is() {
    let mut sim = joining(stored("v1"));
    sim.world(Input::Resolved(joined("v1")));
    assert_eq!(
        sim.name(),
        "waiting",
        "the stored record of v1 skips the licence"
    );
    assert!(!sim.screens.iter().any(|s| s.name() == "licence"));
    assert!(
        !sim.took_commands()
            .iter()
            .any(|c| matches!(c, Command::SaveEula(_)))
    );

    let mut sim = joining(stored("v1"));
    sim.world(Input::Resolved(joined("v2")));
    assert_eq!(sim.name(), "licence", "another version is asked again");
    assert!(
        sim.intent(Intent::Leave).is_err(),
        "the licence offers Decline, not Leave"
    );
    sim.tap(Intent::Accept { at_unix_ms: 5 });
    assert!(sim.took_commands().contains(&Command::SaveEula(EulaRecord {
        version: "v2".into(),
        accepted_at_unix_ms: 5
    })));
    assert_eq!(sim.name(), "waiting");
}

#[test]
fn declining_the_licence_ends_with_its_sentence() {
    let mut sim = Sim::at_licence();
    sim.tap(Intent::Decline);
    shown!(sim, Screen::Ended { reason, .. } =>
        assert_eq!(reason, &en().ended(Ended::Session(EndReason::EulaDeclined))));
    assert!(!sim.started_media());
}

#[test]
fn an_unreachable_server_ends_with_its_sentence_after_the_look_up_times_out() {
    let mut sim = joining(None);
    assert_eq!(sim.name(), "joining");
    sim.wait(Duration::from_secs(14));
    assert_eq!(sim.name(), "joining");
    sim.wait(Duration::from_secs(2));
    shown!(sim, Screen::Ended { reason, .. } =>
        assert_eq!(reason, &en().ended(Ended::ServerUnreachable)));

    let mut sim = joining(None);
    sim.world(Input::ResolveFailed(ResolveFailure::Unreachable(
        "refused".into(),
    )));
    shown!(sim, Screen::Ended { reason, .. } =>
        assert_eq!(reason, &en().ended(Ended::ServerUnreachable)));
}

#[test]
fn a_refused_pin_ends_with_the_sentence_for_the_refusal() {
    for refusal in [
        JoinRefusal::PinNotFound,
        JoinRefusal::PinExpired,
        JoinRefusal::PinAlreadyUsed,
        JoinRefusal::RateLimited,
        JoinRefusal::Busy,
    ] {
        let mut sim = joining(None);
        sim.world(Input::ResolveFailed(ResolveFailure::Refused(refusal)));
        shown!(sim, Screen::Ended { reason, back, .. } => {
            assert_eq!(reason, &en().ended(Ended::JoinRefused(refusal)), "{refusal:?}");
            assert!(back.enabled);
        });
    }
}

#[test]
fn the_technician_not_starting_in_time_ends_the_wait() {
    let mut sim = Sim::at_licence();
    sim.tap(Intent::Accept { at_unix_ms: 1 });
    sim.wait(Duration::from_secs(31 * 60));
    shown!(sim, Screen::Ended { reason, .. } =>
        assert_eq!(reason, &en().ended(Ended::Session(EndReason::WaitingTimedOut))));
}

#[test]
fn leaving_from_waiting_tells_the_server_and_ends() {
    let mut sim = Sim::at_licence();
    sim.tap(Intent::Accept { at_unix_ms: 1 });
    sim.took_commands();
    sim.tap(Intent::Leave);
    let commands = sim.took_commands();
    assert!(commands.contains(&Command::Send(CustomerMessage::Leave)));
    shown!(sim, Screen::Ended { reason, .. } =>
        assert_eq!(reason, &en().ended(Ended::Session(EndReason::CustomerLeft))));
}

#[test]
fn a_german_phone_reads_german_through_the_whole_flow() {
    let de = Texts::for_locales(&["de-AT", "en"]);
    assert_eq!(de.language(), "de");
    let en = en();
    let mut sim = Sim::new(
        AppConfig {
            locales: vec!["de-AT".into(), "en".into()],
            ..first_start()
        },
        None,
    );
    shown!(sim, Screen::Tutorial { title, skip, .. } => {
        assert_eq!(title, &de.get("tutorial-1-title"));
        assert_ne!(title, &en.get("tutorial-1-title"), "German, not English");
        assert_ne!(skip.label, en.get("tutorial-skip"));
    });
    sim.tap(Intent::TutorialSkip);
    shown!(sim, Screen::Permissions { body, .. } => assert_ne!(body, &en.get("permissions-body")));
    sim.tap(Intent::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    sim.typed("12");
    shown!(sim, Screen::EnterPin { problem, .. } => {
        let expected = de.join_input_error(&JoinInputError::WrongLength { found: 2 });
        assert_eq!(problem.as_deref(), Some(expected.as_str()));
        assert_ne!(expected, en.join_input_error(&JoinInputError::WrongLength { found: 2 }));
    });
    sim.typed("123456");
    sim.tap(Intent::Join);
    sim.world(Input::Resolved(joined("v1")));
    shown!(sim, Screen::Licence { intro, .. } => {
        assert!(intro.contains(TECHNICIAN));
        assert_ne!(intro, &with_technician("licence-intro"));
    });
    sim.tap(Intent::Decline);
    shown!(sim, Screen::Ended { reason, .. } => {
        let declined = Ended::Session(EndReason::EulaDeclined);
        assert_eq!(reason, &de.ended(declined));
        assert_ne!(reason, &en.ended(declined));
    });
}
