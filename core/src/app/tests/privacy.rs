//! The privacy invariant through the app model, over random sequences of the customer's
//! intents and the world's inputs: the live screen ("… is watching") shows only while the
//! session is live, media starts (and the screen asks the shell for the microphone) only after
//! this session's licence was accepted and the technician's Start came after it, and a
//! refused intent changes nothing.

use proptest::prelude::*;

use super::*;
use crate::session::ResolveFailure;
use crate::signal::{JoinRefusal, SessionStatus};

fn any_intent() -> impl Strategy<Value = Intent> {
    prop_oneof![
        Just(Intent::TutorialNext),
        Just(Intent::TutorialSkip),
        Just(Intent::AllowPermissions),
        (any::<bool>(), any::<bool>())
            .prop_map(|(camera, microphone)| Intent::PermissionsAnswered { camera, microphone }),
        Just(Intent::OpenSettings),
        Just(Intent::JoinWithoutMicrophone),
        prop_oneof![
            Just("123456"),
            Just("12"),
            Just(""),
            Just("lens://join/123456")
        ]
        .prop_map(|text| Intent::Typed { text: text.into() }),
        Just(Intent::Join),
        prop_oneof![
            Just("https://support.example/123456"),
            Just("https://evil.example/123456")
        ]
        .prop_map(|url| Intent::OpenedLink { url: url.into() }),
        Just(Intent::Accept { at_unix_ms: 7 }),
        Just(Intent::Decline),
        any::<bool>().prop_map(|muted| Intent::SetMuted { muted }),
        any::<bool>().prop_map(|paused| Intent::SetVideoPaused { paused }),
        Just(Intent::SwitchCamera),
        any::<bool>().prop_map(|on| Intent::SetTorch { on }),
        Just(Intent::Leave),
        Just(Intent::BackToStart),
    ]
}

fn any_world_input() -> impl Strategy<Value = Input> {
    let server = prop_oneof![
        Just(ServerToCustomer::start()),
        Just(ServerToCustomer::start()),
        Just(ServerToCustomer::Hold),
        Just(ServerToCustomer::Transferred {
            technician_name: "Bob Builder".into()
        }),
        Just(ServerToCustomer::Answer { sdp: "a".into() }),
        Just(ServerToCustomer::End {
            reason: EndReason::TechnicianEnded
        }),
        prop_oneof![
            Just(CameraControl::PauseVideo),
            Just(CameraControl::ResumeVideo),
            Just(CameraControl::TorchOn)
        ]
        .prop_map(|control| ServerToCustomer::CameraControl { control }),
        prop_oneof![
            Just(SessionStatus::Waiting),
            Just(SessionStatus::Active),
            Just(SessionStatus::OnHold)
        ]
        .prop_map(|status| ServerToCustomer::Welcome {
            session_id: "s1".into(),
            status,
            technician_name: None,
        }),
    ];
    prop_oneof![
        prop_oneof![Just("v1"), Just("v2")].prop_map(|v| Input::Resolved(joined(v))),
        Just(Input::ResolveFailed(ResolveFailure::Refused(
            JoinRefusal::PinNotFound
        ))),
        Just(Input::SignallingConnected),
        Just(Input::SignallingLost),
        server.prop_map(Input::FromServer),
        Just(Input::LocalOffer("o".into())),
        Just(Input::PeerConnected),
        Just(Input::PeerConnected),
        Just(Input::PeerFailed),
        (0u8..=5).prop_map(|quality| Input::MediaStats(LinkStats {
            quality,
            ..LinkStats::default()
        })),
        Just(Input::Timeout),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Intent(Intent),
    World(Input),
    /// What a customer and a technician heading for a live session do next, so that the
    /// random sequences reach the live screen often and are interrupted there.
    Progress,
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => any_intent().prop_map(Step::Intent),
        2 => any_world_input().prop_map(Step::World),
        4 => Just(Step::Progress),
    ]
}

/// The step towards a live session from what `app` shows.
fn progress(app: &CustomerApp) -> AppInput {
    let intent = match app.screen() {
        Screen::Tutorial { .. } => Intent::TutorialNext,
        Screen::Permissions { .. } => Intent::PermissionsAnswered {
            camera: true,
            microphone: true,
        },
        Screen::PermissionsRefused { .. } => Intent::JoinWithoutMicrophone,
        Screen::EnterPin { join, .. } if join.enabled => Intent::Join,
        Screen::EnterPin { .. } => Intent::Typed {
            text: "123 456".into(),
        },
        Screen::Joining { .. } => return AppInput::Session(Input::Resolved(joined("v1"))),
        Screen::Licence { .. } => Intent::Accept { at_unix_ms: 8 },
        Screen::Waiting { .. } | Screen::OnHold { .. } => {
            return AppInput::Session(Input::FromServer(ServerToCustomer::start()));
        }
        Screen::Connecting { .. } => return AppInput::Session(Input::PeerConnected),
        Screen::Reconnecting { .. } => return AppInput::Session(Input::SignallingConnected),
        Screen::Live { .. } => Intent::SetVideoPaused { paused: true },
        Screen::Ended { .. } => Intent::BackToStart,
    };
    AppInput::Intent(intent)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_live_screen_and_no_media_before_acceptance_and_start(
        steps in proptest::collection::vec((any_step(), 0u64..40_000), 1..80),
        tutorial_seen in any::<bool>(),
        permissions in proptest::option::of((any::<bool>(), any::<bool>())),
        allow_without_microphone in any::<bool>(),
        stored_v1 in any::<bool>(),
    ) {
        let stored = stored_v1.then(|| EulaRecord { version: "v1".into(), accepted_at_unix_ms: 1 });
        let config = AppConfig { tutorial_seen, permissions, allow_without_microphone, ..first_start() };
        let mut now = Instant::now();
        let mut app = CustomerApp::new(config, stored.clone(), now);
        prop_assert!(matches!(app.poll_output(), AppOutput::Screen(_)), "the first screen first");
        prop_assert!(matches!(app.poll_output(), AppOutput::Timeout(_)));
        let mut accepted_version = stored.map(|r| r.version);
        let mut resolved_version: Option<String> = None;
        let mut started_after_acceptance = false;

        for (step, advance_ms) in steps {
            now += Duration::from_millis(advance_ms);
            let before = app.session().state().clone();
            let screen_before = app.screen().clone();
            let step = match step {
                Step::Progress => match progress(&app) {
                    AppInput::Intent(intent) => Step::Intent(intent),
                    AppInput::Session(input) => Step::World(input),
                },
                step => step,
            };
            let result = match step {
                Step::Intent(intent) => {
                    let accepting = matches!(intent, Intent::Accept { .. });
                    let result = app.handle_input(AppInput::Intent(intent), now);
                    if accepting && result.is_ok()
                        && let SessionState::NeedsEula { eula, .. } = &before
                    {
                        accepted_version = Some(eula.version.clone());
                    }
                    result
                }
                Step::World(input) => {
                    match &input {
                        Input::Resolved(r) if before == SessionState::ResolvingPin => {
                            resolved_version = Some(r.eula.version.clone());
                        }
                        Input::FromServer(ServerToCustomer::Start { .. })
                            if resolved_version.is_some() && accepted_version == resolved_version =>
                        {
                            started_after_acceptance = true;
                        }
                        _ => {}
                    }
                    app.handle_input(AppInput::Session(input), now)
                }
                Step::Progress => unreachable!("replaced above"),
            };
            let state = app.session().state().clone();
            let mut outputs = 0;
            loop {
                match app.poll_output() {
                    AppOutput::Timeout(_) => break,
                    AppOutput::Command(Command::ResolvePin(_)) => {
                        // A new join: what the last session saw counts no more.
                        resolved_version = None;
                        started_after_acceptance = false;
                    }
                    AppOutput::Command(Command::StartMedia { .. }) => {
                        prop_assert!(resolved_version.is_some() && accepted_version == resolved_version,
                            "media started without acceptance of this session's licence");
                        prop_assert!(started_after_acceptance, "media started before the technician's Start");
                    }
                    AppOutput::Screen(Screen::Live { .. }) => {
                        prop_assert_eq!(&state, &SessionState::Live, "the live screen before live");
                    }
                    _ => {}
                }
                outputs += 1;
            }
            if matches!(app.screen(), Screen::Live { .. }) {
                prop_assert_eq!(&state, &SessionState::Live);
            }
            // The shells run the microphone when the screen says so: never before the
            // technician's Start, after this session's licence was accepted.
            if app.screen().media().talking {
                prop_assert!(started_after_acceptance, "the microphone on before acceptance and Start");
            }
            if result.is_err() {
                prop_assert_eq!(outputs, 0, "a refused intent changed something");
                prop_assert_eq!(app.screen(), &screen_before);
                prop_assert_eq!(&state, &before);
            }
        }
    }
}
