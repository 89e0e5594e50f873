//! The seed flows, from the customer's side, in simulated time.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::signal::{
    CameraControl, Eula, IceCandidate, JoinRefusal, ServerToCustomer, SessionStatus,
};

fn pin() -> Pin {
    Pin::from_digits("123456").unwrap()
}

fn eula(version: &str) -> Eula {
    Eula {
        version: version.into(),
        text: "You agree that the technician sees your camera.".into(),
    }
}

fn joined(version: &str) -> JoinResponse {
    JoinResponse {
        session_id: "s1".into(),
        customer_token: "token-1".into(),
        technician_name: "Tess Technician".into(),
        customer_name: "Carl Customer".into(),
        eula: eula(version),
    }
}

/// A session under test with its own simulated clock.
struct Sim {
    session: CustomerSession,
    now: Instant,
    commands: Vec<Command>,
    events: Vec<SessionEvent>,
}

impl Sim {
    fn new(stored: Option<EulaRecord>) -> Sim {
        let now = Instant::now();
        Sim {
            session: CustomerSession::new(SessionConfig::default(), stored, now),
            now,
            commands: vec![],
            events: vec![],
        }
    }

    fn input(&mut self, input: Input) -> Result<(), NotNow> {
        let result = self.session.handle_input(input, self.now);
        self.drain();
        result
    }

    fn ok(&mut self, input: Input) {
        self.input(input).expect("input fits the state");
    }

    /// Advances simulated time, firing every deadline on the way.
    fn wait(&mut self, duration: Duration) {
        let end = self.now + duration;
        loop {
            let Output::Timeout(at) = self.session.poll_output() else {
                unreachable!("drained")
            };
            if at > end {
                break;
            }
            self.now = at.max(self.now);
            self.ok(Input::Timeout);
        }
        self.now = end;
    }

    fn drain(&mut self) {
        loop {
            match self.session.poll_output() {
                Output::Command(c) => self.commands.push(c),
                Output::Event(e) => self.events.push(e),
                Output::Timeout(_) => break,
            }
        }
    }

    fn state(&self) -> &SessionState {
        self.session.state()
    }

    fn took(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    fn started_media(&self) -> bool {
        self.commands
            .iter()
            .any(|c| matches!(c, Command::StartMedia { .. }))
    }

    /// Joined, permissions granted, signalling up, EULA accepted: Waiting.
    fn waiting() -> Sim {
        let mut sim = Sim::new(None);
        sim.ok(Input::PermissionsAnswered {
            camera: true,
            microphone: true,
        });
        sim.ok(Input::Join(pin()));
        sim.ok(Input::Resolved(joined("v1")));
        sim.ok(Input::SignallingConnected);
        sim.ok(Input::AcceptEula {
            at_unix_ms: 1_700_000_000_000,
        });
        sim.took();
        sim
    }
}

#[test]
fn pin_flow_permissions_then_pin_then_eula_then_live() {
    let mut sim = Sim::new(None);
    assert_eq!(sim.state(), &SessionState::Idle);

    sim.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    assert_eq!(sim.state(), &SessionState::Idle, "still needs a PIN");

    sim.ok(Input::Join(pin()));
    assert_eq!(sim.state(), &SessionState::ResolvingPin);
    assert_eq!(sim.took(), vec![Command::ResolvePin(pin())]);

    sim.ok(Input::Resolved(joined("v1")));
    assert_eq!(
        sim.took(),
        vec![Command::ConnectSignalling {
            token: "token-1".into()
        }]
    );
    assert!(
        matches!(sim.state(), SessionState::NeedsEula { eula, technician_name }
        if eula.version == "v1" && technician_name == "Tess Technician")
    );

    sim.ok(Input::SignallingConnected);
    sim.ok(Input::AcceptEula { at_unix_ms: 42 });
    assert_eq!(
        sim.took(),
        vec![
            Command::SaveEula(EulaRecord {
                version: "v1".into(),
                accepted_at_unix_ms: 42
            }),
            Command::Send(CustomerMessage::EulaAccepted {
                version: "v1".into()
            }),
        ]
    );
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));

    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took(),
        vec![Command::StartMedia {
            camera: true,
            microphone: true,
            ice: Default::default(),
        }]
    );
    assert_eq!(sim.state(), &SessionState::Connecting);

    sim.ok(Input::LocalOffer("offer-sdp".into()));
    sim.ok(Input::FromServer(ServerToCustomer::Answer {
        sdp: "answer-sdp".into(),
    }));
    assert_eq!(
        sim.took(),
        vec![
            Command::Send(CustomerMessage::Offer {
                sdp: "offer-sdp".into(),
                ice_restart: false,
            }),
            Command::ApplyAnswer("answer-sdp".into())
        ]
    );

    sim.ok(Input::PeerConnected);
    assert_eq!(sim.state(), &SessionState::Live);
}

#[test]
fn a_failed_camera_is_reported_to_the_technician_and_the_session_goes_on() {
    use crate::signal::{Device, DeviceProblem};
    let mut sim = Sim::waiting();
    sim.ok(Input::DeviceFailed {
        device: Device::Camera,
        problem: DeviceProblem::Busy,
        detail: "busy".into(),
    });
    assert!(sim.took().is_empty(), "no media yet: nothing to report");

    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::DeviceFailed {
        device: Device::Camera,
        problem: DeviceProblem::Busy,
        detail: "busy".into(),
    });
    assert!(
        sim.took()
            .contains(&Command::Send(CustomerMessage::DeviceProblem {
                device: Device::Camera,
                problem: DeviceProblem::Busy,
                detail: "busy".into(),
            }))
    );
    assert!(sim.events.contains(&SessionEvent::DeviceProblem {
        device: Device::Camera,
        problem: DeviceProblem::Busy,
        detail: "busy".into(),
    }));
    sim.ok(Input::LocalOffer("offer-sdp".into()));
    sim.ok(Input::FromServer(ServerToCustomer::Answer {
        sdp: "answer-sdp".into(),
    }));
    sim.ok(Input::PeerConnected);
    assert_eq!(
        sim.state(),
        &SessionState::Live,
        "the microphone still works"
    );
}

#[test]
fn link_flow_link_then_permissions_then_eula() {
    let mut sim = Sim::new(None);
    sim.ok(Input::Join(pin()));
    sim.ok(Input::Resolved(joined("v1")));
    assert_eq!(sim.state(), &SessionState::NeedsPermissions);
    sim.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: false,
    });
    assert!(matches!(sim.state(), SessionState::NeedsEula { .. }));
    sim.ok(Input::AcceptEula { at_unix_ms: 1 });
    // The socket is not up yet: the acceptance waits for it and is then sent first.
    assert!(!sim.took().iter().any(|c| matches!(c, Command::Send(_))));
    sim.ok(Input::SignallingConnected);
    assert_eq!(
        sim.took(),
        vec![Command::Send(CustomerMessage::EulaAccepted {
            version: "v1".into()
        })]
    );
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took(),
        vec![Command::StartMedia {
            camera: true,
            microphone: false,
            ice: Default::default(),
        }]
    );
}

#[test]
fn the_same_eula_version_is_not_asked_again_but_a_new_one_is() {
    let stored = EulaRecord {
        version: "v1".into(),
        accepted_at_unix_ms: 1,
    };
    let mut sim = Sim::new(Some(stored.clone()));
    sim.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    sim.ok(Input::Join(pin()));
    sim.ok(Input::Resolved(joined("v1")));
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));

    let mut sim = Sim::new(Some(stored));
    sim.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    sim.ok(Input::Join(pin()));
    sim.ok(Input::Resolved(joined("v2")));
    assert!(matches!(sim.state(), SessionState::NeedsEula { eula, .. } if eula.version == "v2"));
}

#[test]
fn declining_the_eula_tells_the_server_and_ends() {
    let mut sim = Sim::new(None);
    sim.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    sim.ok(Input::Join(pin()));
    sim.ok(Input::Resolved(joined("v1")));
    sim.took();
    sim.ok(Input::DeclineEula);
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::EulaDeclined)
        }
    );
    // Declined before the socket was up: the decline is still delivered, then the socket closes.
    assert!(sim.took().is_empty());
    assert!(sim.session.has_undelivered_messages());
    sim.ok(Input::SignallingConnected);
    assert!(!sim.session.has_undelivered_messages());
    assert_eq!(
        sim.took(),
        vec![
            Command::Send(CustomerMessage::EulaDeclined {
                version: "v1".into()
            }),
            Command::CloseSignalling
        ]
    );
    assert!(!sim.started_media());
}

#[test]
fn refused_pins_end_with_what_the_customer_should_read_and_can_be_retyped() {
    for (refusal, words) in [
        (JoinRefusal::PinNotFound, "not valid"),
        (JoinRefusal::PinExpired, "expired"),
        (JoinRefusal::PinAlreadyUsed, "already been used"),
        (JoinRefusal::RateLimited, "Too many"),
        (JoinRefusal::Busy, "busy"),
    ] {
        let mut sim = Sim::new(None);
        sim.ok(Input::Join(pin()));
        sim.ok(Input::ResolveFailed(ResolveFailure::Refused(refusal)));
        let SessionState::Ended { reason } = sim.state().clone() else {
            panic!("not ended")
        };
        assert_eq!(reason, Ended::JoinRefused(refusal));
        assert!(reason.describe().contains(words), "{}", reason.describe());
        sim.ok(Input::Join(pin()));
        assert_eq!(sim.state(), &SessionState::ResolvingPin);
    }
}

#[test]
fn a_server_that_does_not_answer_times_out() {
    let mut sim = Sim::new(None);
    sim.ok(Input::Join(pin()));
    sim.wait(Duration::from_secs(14));
    assert_eq!(sim.state(), &SessionState::ResolvingPin);
    sim.wait(Duration::from_secs(2));
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::ServerUnreachable
        }
    );
    // A late answer changes nothing.
    sim.ok(Input::Resolved(joined("v1")));
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::ServerUnreachable
        }
    );
}

#[test]
fn waiting_too_long_for_the_technician_ends_the_session() {
    let mut sim = Sim::waiting();
    sim.wait(Duration::from_secs(29 * 60));
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));
    sim.wait(Duration::from_secs(2 * 60));
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::WaitingTimedOut)
        }
    );
    assert_eq!(
        sim.took(),
        vec![
            Command::Send(CustomerMessage::Leave),
            Command::CloseSignalling
        ]
    );
}

#[test]
fn a_lost_socket_is_retried_with_back_off_and_the_wait_goes_on() {
    let mut sim = Sim::waiting();
    sim.ok(Input::SignallingLost);
    assert!(
        sim.events
            .contains(&SessionEvent::Reconnecting { attempt: 1 })
    );
    sim.wait(Duration::from_millis(600));
    assert_eq!(
        sim.took(),
        vec![Command::ConnectSignalling {
            token: "token-1".into()
        }]
    );
    sim.ok(Input::SignallingLost); // that attempt failed too
    sim.wait(Duration::from_millis(900));
    assert!(sim.took().is_empty(), "second attempt waits twice as long");
    sim.wait(Duration::from_millis(200));
    assert_eq!(
        sim.took(),
        vec![Command::ConnectSignalling {
            token: "token-1".into()
        }]
    );
    sim.ok(Input::SignallingConnected);
    assert_eq!(sim.events.last(), Some(&SessionEvent::Reconnected));
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));
}

#[test]
fn a_server_gone_for_good_ends_the_session() {
    let mut sim = Sim::waiting();
    sim.ok(Input::SignallingLost);
    for _ in 0..20 {
        sim.wait(Duration::from_secs(5));
        if matches!(sim.state(), SessionState::Ended { .. }) {
            break;
        }
        sim.ok(Input::SignallingLost);
    }
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::ConnectionLost)
        }
    );
}

#[test]
fn the_technician_ending_stops_the_media() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    sim.took();
    sim.ok(Input::FromServer(ServerToCustomer::End {
        reason: EndReason::TechnicianEnded,
    }));
    assert_eq!(
        sim.took(),
        vec![Command::StopMedia, Command::CloseSignalling]
    );
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::TechnicianEnded)
        }
    );
}

#[test]
fn the_customer_leaving_tells_the_server_and_stops_the_media() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.took();
    sim.ok(Input::Leave);
    assert_eq!(
        sim.took(),
        vec![
            Command::Send(CustomerMessage::Leave),
            Command::StopMedia,
            Command::CloseSignalling
        ]
    );
    assert_eq!(
        sim.input(Input::Leave),
        Err(NotNow {
            action: "leaving",
            state: "ended"
        })
    );
}

#[test]
fn a_media_connection_that_never_comes_up_ends_the_session() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.wait(Duration::from_secs(31));
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::MediaFailed)
        }
    );
    assert!(sim.took().contains(&Command::StopMedia));
}

#[test]
fn a_repeated_start_restarts_the_media_with_a_new_offer() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    sim.took();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took(),
        vec![
            Command::StopMedia,
            Command::StartMedia {
                camera: true,
                microphone: true,
                ice: Default::default(),
            }
        ]
    );
    assert_eq!(sim.state(), &SessionState::Connecting);
}

#[test]
fn no_camera_and_no_microphone_means_nothing_to_share() {
    let mut sim = Sim::new(None);
    sim.ok(Input::Join(pin()));
    sim.ok(Input::Resolved(joined("v1")));
    sim.ok(Input::PermissionsAnswered {
        camera: false,
        microphone: false,
    });
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::PermissionsDenied
        }
    );
}

#[test]
fn actions_that_do_not_fit_are_refused_and_change_nothing() {
    let mut sim = Sim::new(None);
    assert!(sim.input(Input::AcceptEula { at_unix_ms: 0 }).is_err());
    assert!(sim.input(Input::DeclineEula).is_err());
    assert!(sim.input(Input::Leave).is_err());
    sim.ok(Input::Join(pin()));
    assert!(sim.input(Input::Join(pin())).is_err());
    assert_eq!(sim.state(), &SessionState::ResolvingPin);
}

#[test]
fn remote_candidates_and_local_candidates_flow_only_with_media() {
    let candidate = IceCandidate {
        candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host".into(),
        sdp_mid: None,
        sdp_mline_index: Some(0),
    };
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::Candidate {
        candidate: candidate.clone(),
    }));
    sim.ok(Input::LocalCandidate(candidate.clone()));
    assert!(sim.took().is_empty());
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.took();
    sim.ok(Input::FromServer(ServerToCustomer::Candidate {
        candidate: candidate.clone(),
    }));
    sim.ok(Input::LocalCandidate(candidate.clone()));
    assert_eq!(
        sim.took(),
        vec![
            Command::AddRemoteCandidate(candidate.clone()),
            Command::Send(CustomerMessage::Candidate { candidate })
        ]
    );
}

// ---- the privacy invariant, over random input sequences ---------------------------------

fn any_input() -> impl Strategy<Value = Input> {
    let server = prop_oneof![
        Just(ServerToCustomer::start()),
        Just(ServerToCustomer::Answer { sdp: "a".into() }),
        Just(ServerToCustomer::Transferred {
            technician_name: "Bob Builder".into()
        }),
        Just(ServerToCustomer::End {
            reason: EndReason::TechnicianEnded
        }),
        Just(ServerToCustomer::Error {
            message: "x".into()
        }),
        Just(ServerToCustomer::CameraControl {
            control: CameraControl::PauseVideo
        }),
        Just(ServerToCustomer::CameraControl {
            control: CameraControl::ResumeVideo
        }),
        Just(ServerToCustomer::CameraControl {
            control: CameraControl::SwitchCamera
        }),
        (prop_oneof![Just("c1"), Just("c2")], any::<bool>()).prop_map(|(peer, talk)| {
            ServerToCustomer::CollaboratorJoined {
                peer: peer.into(),
                technician_name: "Ian Internal".into(),
                talk,
                ice: Default::default(),
            }
        }),
        Just(ServerToCustomer::CollaboratorLeft { peer: "c1".into() }),
        prop_oneof![
            Just(SessionStatus::Waiting),
            Just(SessionStatus::Active),
            Just(SessionStatus::Closed)
        ]
        .prop_map(|status| ServerToCustomer::Welcome {
            session_id: "s1".into(),
            status,
            technician_name: None,
        }),
    ];
    prop_oneof![
        Just(Input::Join(pin())),
        (any::<bool>(), any::<bool>())
            .prop_map(|(camera, microphone)| Input::PermissionsAnswered { camera, microphone }),
        Just(Input::AcceptEula { at_unix_ms: 5 }),
        Just(Input::DeclineEula),
        Just(Input::Leave),
        prop_oneof![Just("v1"), Just("v2")].prop_map(|v| Input::Resolved(joined(v))),
        Just(Input::ResolveFailed(ResolveFailure::Refused(
            JoinRefusal::PinNotFound
        ))),
        Just(Input::ResolveFailed(ResolveFailure::Unreachable(
            "down".into()
        ))),
        Just(Input::SignallingConnected),
        Just(Input::SignallingLost),
        server.clone().prop_map(Input::FromServer),
        server.prop_map(Input::FromServer),
        Just(Input::LocalOffer("o".into())),
        Just(Input::CollaboratorMediaFailed { peer: "c2".into() }),
        Just(Input::CollaboratorConnected { peer: "c2".into() }),
        Just(Input::CollaboratorInterrupted { peer: "c2".into() }),
        Just(Input::PeerConnected),
        Just(Input::PeerFailed),
        Just(Input::PeerInterrupted),
        Just(Input::NetworkChanged),
        any::<bool>().prop_map(|paused| Input::VideoPaused { paused }),
        Just(Input::Timeout),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No media before the customer accepted this session's EULA and the technician started,
    /// whatever arrives in whatever order; and none after the session ended.
    #[test]
    fn media_starts_only_after_acceptance_and_start(
        steps in proptest::collection::vec((any_input(), 0u64..40_000), 1..60),
        stored_v1 in any::<bool>(),
    ) {
        let stored = stored_v1.then(|| EulaRecord { version: "v1".into(), accepted_at_unix_ms: 1 });
        let mut now = Instant::now();
        let mut session = CustomerSession::new(SessionConfig::default(), stored.clone(), now);
        // What the model knows, reset by every join.
        let mut accepted_version: Option<String> = stored.map(|r| r.version);
        let mut resolved_version: Option<String> = None;
        let mut start_seen_after_acceptance = false;
        let mut media_on = false;

        for (input, advance_ms) in steps {
            now += Duration::from_millis(advance_ms);
            let state_before = session.state().clone();
            match &input {
                Input::Join(_) if matches!(state_before, SessionState::Idle | SessionState::Ended { .. }) => {
                    resolved_version = None;
                    start_seen_after_acceptance = false;
                }
                Input::Resolved(r) if state_before == SessionState::ResolvingPin => {
                    resolved_version = Some(r.eula.version.clone());
                }
                Input::AcceptEula { .. } => {
                    if let SessionState::NeedsEula { eula, .. } = &state_before {
                        accepted_version = Some(eula.version.clone());
                    }
                }
                Input::FromServer(ServerToCustomer::Start { .. }) => {
                    let accepted = resolved_version.is_some() && accepted_version == resolved_version;
                    if accepted { start_seen_after_acceptance = true; }
                }
                _ => {}
            }
            let _ = session.handle_input(input, now);
            loop {
                match session.poll_output() {
                    Output::Command(Command::StartMedia { camera, microphone, .. }) => {
                        prop_assert!(resolved_version.is_some() && accepted_version == resolved_version,
                            "media started without acceptance of this session's EULA");
                        prop_assert!(start_seen_after_acceptance, "media started before the technician's Start");
                        prop_assert!(camera || microphone);
                        let ended = matches!(session.state(), SessionState::Ended { .. });
                        prop_assert!(!ended, "media started in an ended session");
                        media_on = true;
                    }
                    Output::Command(Command::StartCollaboratorMedia { .. }) => {
                        prop_assert!(media_on, "a collaborator's connection without the lead's media");
                    }
                    Output::Command(Command::StopMedia) => media_on = false,
                    Output::Command(_) | Output::Event(_) => {}
                    Output::Timeout(_) => break,
                }
            }
            if matches!(session.state(), SessionState::Ended { .. }) {
                prop_assert!(!media_on, "media still running after the session ended");
            }
        }
    }
}

#[test]
fn on_hold_stops_media_keeps_the_session_and_start_resumes() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    assert_eq!(sim.state(), &SessionState::Live);
    sim.took();

    sim.ok(Input::FromServer(ServerToCustomer::Hold));
    assert_eq!(
        sim.took(),
        vec![Command::StopMedia],
        "media paused, nothing else"
    );
    assert!(
        matches!(sim.state(), SessionState::WaitingForTechnician { technician_name } if technician_name == "Tess Technician")
    );
    // A long hold is the server's idle timeout to end, not the app's waiting timeout.
    sim.wait(Duration::from_secs(3 * 3600));
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));
    assert!(!sim.started_media());

    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took(),
        vec![Command::StartMedia {
            camera: true,
            microphone: true,
            ice: Default::default(),
        }]
    );
    assert_eq!(sim.state(), &SessionState::Connecting);
}

#[test]
fn a_hold_before_start_or_a_welcome_on_hold_never_starts_media() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::Hold));
    assert!(sim.took().is_empty(), "nothing to pause before Start");
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));

    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.took();
    // Reconnected to a session the technician put on hold meanwhile.
    sim.ok(Input::FromServer(ServerToCustomer::Welcome {
        session_id: "s1".into(),
        status: SessionStatus::OnHold,
        technician_name: Some("Tess Technician".into()),
    }));
    assert_eq!(sim.took(), vec![Command::StopMedia]);
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));
}

#[test]
fn a_transfer_stops_media_names_the_new_technician_and_their_start_continues() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    sim.took();

    sim.ok(Input::FromServer(ServerToCustomer::Transferred {
        technician_name: "Bob Builder".into(),
    }));
    assert_eq!(
        sim.took(),
        vec![Command::StopMedia],
        "nothing is sent meanwhile"
    );
    assert!(
        matches!(sim.state(), SessionState::WaitingForTechnician { technician_name } if technician_name == "Bob Builder")
    );
    assert!(sim.events.contains(&SessionEvent::Transferred {
        technician_name: "Bob Builder".into()
    }));

    // The new technician's Start continues the same session: no new PIN, no licence.
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took(),
        vec![Command::StartMedia {
            camera: true,
            microphone: true,
            ice: Default::default(),
        }]
    );
    assert_eq!(sim.state(), &SessionState::Connecting);
}

#[test]
fn a_transfer_before_start_only_renames_and_one_before_the_licence_is_ignored() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::Transferred {
        technician_name: "B".repeat(500),
    }));
    assert!(sim.took().is_empty(), "no media to stop, none started");
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { technician_name } if technician_name.chars().count() == 100
    ));

    // Before the licence a transfer is a server bug: the licence screen keeps its words.
    let mut early = Sim::new(None);
    early.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    early.ok(Input::Join(pin()));
    early.ok(Input::Resolved(joined("v1")));
    early.ok(Input::SignallingConnected);
    let before = early.state().clone();
    early.ok(Input::FromServer(ServerToCustomer::Transferred {
        technician_name: "Mallory".into(),
    }));
    assert_eq!(early.state(), &before);
    assert!(!early.started_media());
}

#[test]
fn a_transfer_made_while_the_app_was_away_shows_on_its_return() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    sim.ok(Input::SignallingLost);
    sim.wait(Duration::from_secs(1));
    sim.ok(Input::SignallingConnected);
    sim.took();
    sim.events.clear();
    // The same technician: nothing to tell.
    sim.ok(Input::FromServer(ServerToCustomer::Welcome {
        session_id: "s1".into(),
        status: SessionStatus::Active,
        technician_name: Some("Tess Technician".into()),
    }));
    assert!(
        !sim.events
            .iter()
            .any(|e| matches!(e, SessionEvent::Transferred { .. })),
        "{:?}",
        sim.events
    );
    // Handed to Bob meanwhile (stored on hold): media stops and the app names Bob.
    sim.ok(Input::FromServer(ServerToCustomer::Welcome {
        session_id: "s1".into(),
        status: SessionStatus::OnHold,
        technician_name: Some("Bob Builder".into()),
    }));
    assert!(
        !sim.took()
            .iter()
            .any(|c| matches!(c, Command::StartMedia { .. }))
    );
    assert!(
        matches!(sim.state(), SessionState::WaitingForTechnician { technician_name } if technician_name == "Bob Builder")
    );
    assert!(sim.events.contains(&SessionEvent::Transferred {
        technician_name: "Bob Builder".into()
    }));
}

#[test]
fn live_stats_go_to_the_technician_and_the_app_but_not_before_live() {
    let mut sim = Sim::waiting();
    let stats = crate::link_stats::LinkStats {
        sent_kbps: 1200,
        quality: 4,
        ..Default::default()
    };

    // Before the technician starts, nothing about the link leaves the phone.
    sim.ok(Input::MediaStats(stats));
    assert!(sim.took().is_empty());
    assert!(
        !sim.events
            .iter()
            .any(|e| matches!(e, SessionEvent::LinkStats(_)))
    );

    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    sim.took();
    sim.ok(Input::MediaStats(stats));
    assert_eq!(
        sim.took(),
        vec![Command::Send(CustomerMessage::Stats { stats })]
    );
    assert_eq!(sim.events.last(), Some(&SessionEvent::LinkStats(stats)));

    // With signalling down the app still shows them; the technician gets the next ones.
    sim.ok(Input::SignallingLost);
    sim.took();
    sim.ok(Input::MediaStats(stats));
    assert!(
        !sim.took()
            .iter()
            .any(|c| matches!(c, Command::Send(CustomerMessage::Stats { .. })))
    );
    assert_eq!(sim.events.last(), Some(&SessionEvent::LinkStats(stats)));
}

// ---- the technician's camera controls and who may resume -------------------------------

impl Sim {
    /// Started and connected: the video flows.
    fn live() -> Sim {
        let mut sim = Sim::waiting();
        sim.ok(Input::FromServer(ServerToCustomer::start()));
        sim.ok(Input::LocalOffer("offer".into()));
        sim.ok(Input::PeerConnected);
        sim.took();
        sim.events.clear();
        sim
    }

    fn technician(&mut self, control: CameraControl) {
        self.ok(Input::FromServer(ServerToCustomer::CameraControl {
            control,
        }));
    }
}

fn media_state(paused_by: Option<PausedBy>) -> Command {
    Command::Send(CustomerMessage::MediaState {
        video_paused: paused_by.is_some(),
        paused_by,
    })
}

fn refused(control: CameraControl, message: &str) -> Command {
    Command::Send(CustomerMessage::ControlRefused {
        control,
        message: message.into(),
    })
}

#[test]
fn the_technician_pauses_and_resumes_and_the_app_is_told() {
    let mut sim = Sim::live();
    sim.technician(CameraControl::PauseVideo);
    assert_eq!(
        sim.took(),
        vec![
            Command::SetVideoPaused { paused: true },
            media_state(Some(PausedBy::Technician))
        ]
    );
    assert_eq!(
        sim.events,
        vec![SessionEvent::TechnicianControl {
            control: CameraControl::PauseVideo,
            refused: None
        }]
    );
    assert_eq!(sim.session.paused_by(), Some(PausedBy::Technician));

    sim.technician(CameraControl::ResumeVideo);
    assert_eq!(
        sim.took(),
        vec![Command::SetVideoPaused { paused: false }, media_state(None)]
    );
    assert_eq!(
        sim.events.last(),
        Some(&SessionEvent::TechnicianControl {
            control: CameraControl::ResumeVideo,
            refused: None
        })
    );
    assert!(!sim.session.video_paused());
}

#[test]
fn the_technician_cannot_resume_a_pause_the_customer_made() {
    let mut sim = Sim::live();
    sim.ok(Input::VideoPaused { paused: true });
    assert_eq!(
        sim.took(),
        vec![
            Command::SetVideoPaused { paused: true },
            media_state(Some(PausedBy::Customer))
        ]
    );

    sim.technician(CameraControl::ResumeVideo);
    assert_eq!(
        sim.took(),
        vec![refused(CameraControl::ResumeVideo, camera::CUSTOMER_PAUSED)]
    );
    assert!(sim.session.video_paused(), "the video stays paused");
    assert_eq!(
        sim.events.last(),
        Some(&SessionEvent::TechnicianControl {
            control: CameraControl::ResumeVideo,
            refused: Some("The customer paused the video; only they can resume it".into()),
        })
    );
    // Pausing on top does not hand the pause to the technician, who still cannot resume.
    sim.technician(CameraControl::PauseVideo);
    assert_eq!(sim.took(), vec![media_state(Some(PausedBy::Customer))]);
    sim.technician(CameraControl::ResumeVideo);
    assert_eq!(
        sim.took(),
        vec![refused(CameraControl::ResumeVideo, camera::CUSTOMER_PAUSED)]
    );

    // The customer resumes whenever they like.
    sim.ok(Input::VideoPaused { paused: false });
    assert_eq!(
        sim.took(),
        vec![Command::SetVideoPaused { paused: false }, media_state(None)]
    );
}

#[test]
fn the_customer_may_resume_the_technicians_pause_or_make_it_their_own() {
    let mut sim = Sim::live();
    sim.technician(CameraControl::PauseVideo);
    sim.ok(Input::VideoPaused { paused: true });
    assert_eq!(sim.session.paused_by(), Some(PausedBy::Customer));
    sim.took();
    sim.technician(CameraControl::ResumeVideo);
    assert_eq!(
        sim.took(),
        vec![refused(CameraControl::ResumeVideo, camera::CUSTOMER_PAUSED)]
    );

    let mut sim = Sim::live();
    sim.technician(CameraControl::PauseVideo);
    sim.took();
    sim.ok(Input::VideoPaused { paused: false });
    assert_eq!(
        sim.took(),
        vec![Command::SetVideoPaused { paused: false }, media_state(None)]
    );
}

#[test]
fn who_paused_is_kept_across_a_hold_and_a_restart_of_media() {
    let mut sim = Sim::live();
    sim.ok(Input::VideoPaused { paused: true });
    sim.ok(Input::FromServer(ServerToCustomer::Hold));
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.took();
    // The new offer says the picture is paused, and by whom.
    sim.ok(Input::LocalOffer("second offer".into()));
    assert_eq!(
        sim.took(),
        vec![
            Command::Send(CustomerMessage::Offer {
                sdp: "second offer".into(),
                ice_restart: false,
            }),
            media_state(Some(PausedBy::Customer))
        ]
    );
    sim.ok(Input::PeerConnected);
    sim.technician(CameraControl::ResumeVideo);
    assert_eq!(
        sim.took(),
        vec![refused(CameraControl::ResumeVideo, camera::CUSTOMER_PAUSED)]
    );

    // The technician's own pause survives a repeated Start (a reloaded console) and stays
    // the technician's to lift.
    let mut sim = Sim::live();
    sim.technician(CameraControl::PauseVideo);
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::LocalOffer("again".into()));
    sim.ok(Input::PeerConnected);
    sim.took();
    sim.technician(CameraControl::ResumeVideo);
    assert_eq!(
        sim.took(),
        vec![Command::SetVideoPaused { paused: false }, media_state(None)]
    );
}

#[test]
fn switch_camera_and_torch_go_to_the_engine_and_its_refusal_to_the_technician() {
    let mut sim = Sim::live();
    sim.technician(CameraControl::SwitchCamera);
    assert_eq!(
        sim.took(),
        vec![Command::CameraControl(CameraControl::SwitchCamera)]
    );
    assert!(
        sim.events.is_empty(),
        "the app hears of it once the engine did it"
    );
    sim.ok(Input::CameraControlResult {
        control: CameraControl::SwitchCamera,
        result: Ok(()),
    });
    assert_eq!(
        sim.events,
        vec![SessionEvent::TechnicianControl {
            control: CameraControl::SwitchCamera,
            refused: None
        }]
    );

    sim.technician(CameraControl::TorchOn);
    let unsupported = "The torch is not supported by a desktop camera".to_owned();
    sim.ok(Input::CameraControlResult {
        control: CameraControl::TorchOn,
        result: Err(unsupported.clone()),
    });
    assert_eq!(
        sim.took(),
        vec![
            Command::CameraControl(CameraControl::TorchOn),
            refused(CameraControl::TorchOn, &unsupported)
        ]
    );
}

#[test]
fn controls_without_media_are_refused_and_change_nothing() {
    let mut sim = Sim::waiting();
    sim.technician(CameraControl::PauseVideo);
    assert_eq!(
        sim.took(),
        vec![refused(CameraControl::PauseVideo, camera::NO_MEDIA)]
    );
    assert!(!sim.session.video_paused());
}

#[test]
fn a_technicians_pause_does_not_follow_the_customer_into_the_next_session() {
    let mut sim = Sim::live();
    sim.technician(CameraControl::PauseVideo);
    sim.ok(Input::FromServer(ServerToCustomer::End {
        reason: EndReason::TechnicianEnded,
    }));
    sim.took();
    sim.ok(Input::Join(pin()));
    assert_eq!(
        sim.took().first(),
        Some(&Command::SetVideoPaused { paused: false })
    );
    assert!(!sim.session.video_paused());

    // The customer's own pause is their choice and stays.
    let mut sim = Sim::live();
    sim.ok(Input::VideoPaused { paused: true });
    sim.ok(Input::FromServer(ServerToCustomer::End {
        reason: EndReason::TechnicianEnded,
    }));
    sim.ok(Input::Join(pin()));
    assert!(sim.session.video_paused());
}

mod collaborators;
mod media_recovery;
