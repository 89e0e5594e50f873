//! Seed 004 from the phone's side: collaborating technicians get a connection of their own,
//! only while the lead's media runs, and the customer is told how many watch.

use super::*;
use crate::signal::IceConfig;

fn joined_by(peer: &str, name: &str, talk: bool) -> Input {
    Input::FromServer(ServerToCustomer::CollaboratorJoined {
        peer: peer.into(),
        technician_name: name.into(),
        talk,
        ice: IceConfig::default(),
    })
}

fn start_of(peer: &str, talk: bool) -> Command {
    Command::StartCollaboratorMedia {
        peer: peer.into(),
        talk,
        ice: IceConfig::default(),
    }
}

fn stop_of(peer: &str) -> Command {
    Command::StopCollaboratorMedia { peer: peer.into() }
}

fn watching(sim: &Sim) -> Option<u32> {
    sim.events.iter().rev().find_map(|e| match e {
        SessionEvent::Watching { technicians } => Some(*technicians),
        _ => None,
    })
}

/// Live with the lead's media connected.
fn live() -> Sim {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerConnected);
    sim.took();
    sim
}

#[test]
fn a_collaborator_in_a_live_session_gets_a_connection_of_their_own() {
    let mut sim = live();
    assert_eq!(watching(&sim), Some(1), "the lead watches");

    sim.ok(joined_by("c1", "Ian Internal", true));
    assert_eq!(sim.took(), vec![start_of("c1", true)]);
    assert_eq!(watching(&sim), Some(2));
    assert_eq!(sim.session.collaborator_names(), vec!["Ian Internal"]);

    sim.ok(Input::CollaboratorOffer {
        peer: "c1".into(),
        sdp: "offer-c1".into(),
    });
    let candidate = IceCandidate {
        candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    };
    sim.ok(Input::CollaboratorCandidate {
        peer: "c1".into(),
        candidate: candidate.clone(),
    });
    sim.ok(Input::FromServer(ServerToCustomer::PeerAnswer {
        peer: "c1".into(),
        sdp: "answer-c1".into(),
    }));
    sim.ok(Input::FromServer(ServerToCustomer::PeerCandidate {
        peer: "c1".into(),
        candidate: candidate.clone(),
    }));
    assert_eq!(
        sim.took(),
        vec![
            Command::Send(CustomerMessage::PeerOffer {
                peer: "c1".into(),
                sdp: "offer-c1".into()
            }),
            Command::Send(CustomerMessage::PeerCandidate {
                peer: "c1".into(),
                candidate: candidate.clone()
            }),
            Command::ApplyCollaboratorAnswer {
                peer: "c1".into(),
                sdp: "answer-c1".into()
            },
            Command::AddCollaboratorCandidate {
                peer: "c1".into(),
                candidate
            },
        ]
    );
    assert_eq!(
        sim.state(),
        &SessionState::Live,
        "the lead's call is untouched"
    );

    sim.ok(Input::FromServer(ServerToCustomer::CollaboratorLeft {
        peer: "c1".into(),
    }));
    assert_eq!(sim.took(), vec![stop_of("c1")]);
    assert_eq!(watching(&sim), Some(1));
    // Late signalling of the peer that left changes nothing.
    sim.ok(Input::FromServer(ServerToCustomer::PeerAnswer {
        peer: "c1".into(),
        sdp: "late".into(),
    }));
    sim.ok(Input::CollaboratorOffer {
        peer: "c1".into(),
        sdp: "late".into(),
    });
    assert!(sim.took().is_empty());
}

#[test]
fn no_collaborator_sees_anything_before_the_licence_or_the_start() {
    // Before the licence: the announcement is not even kept.
    let mut sim = Sim::new(None);
    sim.ok(Input::PermissionsAnswered {
        camera: true,
        microphone: true,
    });
    sim.ok(Input::Join(pin()));
    sim.ok(Input::Resolved(joined("v1")));
    sim.ok(Input::SignallingConnected);
    sim.ok(joined_by("c1", "Eve External", true));
    sim.ok(Input::AcceptEula { at_unix_ms: 1 });
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert!(
        !sim.commands
            .iter()
            .any(|c| matches!(c, Command::StartCollaboratorMedia { .. })),
        "{:?}",
        sim.commands
    );

    // Accepted but not started: kept, and connected only with the lead's Start.
    let mut sim = Sim::waiting();
    sim.ok(joined_by("c1", "Eve External", false));
    assert!(
        sim.took().is_empty(),
        "nothing before the technician's Start"
    );
    assert_eq!(sim.session.technicians_watching(), 0);
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took(),
        vec![
            Command::StartMedia {
                camera: true,
                microphone: true,
                ice: Default::default(),
            },
            start_of("c1", false),
        ],
        "the lead's media first: the collaborator's connection shares its encoder"
    );
}

#[test]
fn a_hold_stops_every_connection_and_the_resume_brings_the_collaborators_back() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", true));
    sim.ok(joined_by("c2", "Eve External", false));
    sim.took();
    assert_eq!(watching(&sim), Some(3));

    sim.ok(Input::FromServer(ServerToCustomer::Hold));
    assert_eq!(
        sim.took(),
        vec![Command::StopMedia],
        "one stop closes them all"
    );
    assert_eq!(watching(&sim), Some(0));
    sim.ok(Input::CollaboratorOffer {
        peer: "c1".into(),
        sdp: "late".into(),
    });
    assert!(sim.took().is_empty(), "nothing leaves during the hold");

    sim.ok(Input::FromServer(ServerToCustomer::start()));
    let commands = sim.took();
    assert_eq!(
        &commands[1..],
        &[start_of("c1", true), start_of("c2", false)]
    );
    assert_eq!(watching(&sim), Some(3));
    // The server repeats the announcements after a resume: nothing changes.
    sim.ok(joined_by("c1", "Ian Internal", true));
    assert!(sim.took().is_empty());
}

#[test]
fn a_transfer_or_an_end_forgets_the_collaborators() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", true));
    sim.took();
    sim.ok(Input::FromServer(ServerToCustomer::Transferred {
        technician_name: "Bob Builder".into(),
    }));
    assert_eq!(sim.took(), vec![Command::StopMedia]);
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert!(
        !sim.took()
            .iter()
            .any(|c| matches!(c, Command::StartCollaboratorMedia { .. })),
        "the new lead invites anew"
    );

    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", true));
    sim.ok(Input::Leave);
    assert_eq!(watching(&sim), Some(0));
    assert_eq!(sim.session.technicians_watching(), 0);
}

#[test]
fn five_technicians_at_most_and_only_plain_peer_ids() {
    let mut sim = live();
    for peer in ["c1", "c2", "c3", "c4", "c5"] {
        sim.ok(joined_by(peer, "Tech", false));
    }
    let started: Vec<Command> = sim.took();
    assert_eq!(
        started,
        vec![
            start_of("c1", false),
            start_of("c2", false),
            start_of("c3", false),
            start_of("c4", false)
        ],
        "the lead and four collaborators"
    );
    assert_eq!(sim.session.technicians_watching(), 5);

    let mut sim = live();
    for peer in ["", "c 1", "c1\n", &"c".repeat(65), "ü"] {
        sim.ok(joined_by(peer, "Mallory", true));
    }
    assert!(sim.took().is_empty(), "not ids a server of ours gives");
}

#[test]
fn a_changed_talk_permission_replaces_the_connection_and_a_failed_one_is_dropped() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", false));
    sim.took();
    sim.ok(joined_by("c1", "Ian Internal", true));
    assert_eq!(sim.took(), vec![stop_of("c1"), start_of("c1", true)]);

    sim.ok(Input::CollaboratorMediaFailed { peer: "c1".into() });
    assert_eq!(sim.took(), vec![stop_of("c1")]);
    assert_eq!(watching(&sim), Some(1));
    assert_eq!(sim.state(), &SessionState::Live, "the lead's call goes on");
}

#[test]
fn a_failed_connection_is_offered_again_a_few_seconds_later_until_it_keeps_failing() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", true));
    sim.took();
    let failed = Input::CollaboratorMediaFailed { peer: "c1".into() };
    let interval = SessionConfig::default().ice_restart_interval;

    sim.ok(failed.clone());
    assert_eq!(sim.took(), vec![stop_of("c1")]);
    assert_eq!(watching(&sim), Some(1));
    sim.wait(interval - Duration::from_millis(100));
    assert!(sim.took().is_empty(), "not before the interval");
    sim.wait(Duration::from_millis(100));
    assert_eq!(
        sim.took(),
        vec![start_of("c1", true)],
        "a new offer for them"
    );
    assert_eq!(watching(&sim), Some(2));

    // A connection that came up starts the count afresh; one that never does is offered
    // MAX_RENEWALS times in a row, then left to their console's reconnect.
    sim.ok(Input::CollaboratorConnected { peer: "c1".into() });
    let mut renewals = 0;
    loop {
        sim.ok(failed.clone());
        assert_eq!(sim.took(), vec![stop_of("c1")]);
        sim.wait(interval * 2);
        match sim.took().as_slice() {
            [] => break,
            [start] => assert_eq!(start, &start_of("c1", true)),
            other => panic!("unexpected {other:?}"),
        }
        renewals += 1;
    }
    assert_eq!(renewals, 6);
    assert_eq!(watching(&sim), Some(1));
    assert_eq!(sim.state(), &SessionState::Live, "the lead's call goes on");
}

#[test]
fn a_network_change_gives_every_collaborator_a_new_connection_at_once() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", true));
    sim.ok(joined_by("c2", "Eve External", false));
    sim.ok(Input::CollaboratorMediaFailed { peer: "c2".into() });
    sim.took();

    sim.ok(Input::NetworkChanged);
    let commands = sim.took();
    let restart = commands.iter().position(|c| *c == Command::RestartIce);
    let first_collaborator = commands.iter().position(|c| *c == stop_of("c1"));
    assert!(
        restart < first_collaborator,
        "the lead's restart first: {commands:?}"
    );
    assert_eq!(
        commands[first_collaborator.unwrap()..],
        [stop_of("c1"), start_of("c1", true), start_of("c2", false)],
        "c2's connection, waiting for its renewal, comes now too"
    );
    assert_eq!(watching(&sim), Some(3));
    sim.wait(SessionConfig::default().ice_restart_interval * 2);
    assert!(
        !sim.took()
            .iter()
            .any(|c| matches!(c, Command::StartCollaboratorMedia { .. })),
        "no renewal left pending"
    );
}

#[test]
fn a_hold_cancels_a_pending_renewal() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", true));
    sim.ok(Input::CollaboratorMediaFailed { peer: "c1".into() });
    sim.ok(Input::FromServer(ServerToCustomer::Hold));
    sim.took();
    sim.wait(Duration::from_secs(20));
    assert!(sim.took().is_empty(), "nothing leaves during the hold");
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert_eq!(
        sim.took()[1..],
        [start_of("c1", true)],
        "back with the resume"
    );
}

#[test]
fn a_connection_that_loses_its_path_gets_a_few_seconds_before_it_is_replaced() {
    let mut sim = live();
    sim.ok(joined_by("c1", "Ian Internal", false));
    sim.took();
    let interval = SessionConfig::default().ice_restart_interval;
    let interrupted = Input::CollaboratorInterrupted { peer: "c1".into() };

    // Back by itself in time: kept.
    sim.ok(interrupted.clone());
    sim.wait(interval / 2);
    sim.ok(Input::CollaboratorConnected { peer: "c1".into() });
    sim.wait(interval * 2);
    assert!(sim.took().is_empty(), "a connection that came back is kept");

    // Still without a path after the interval (a failure in between changes nothing): a
    // new connection replaces it.
    sim.ok(interrupted);
    sim.wait(interval / 2);
    sim.ok(Input::CollaboratorMediaFailed { peer: "c1".into() });
    assert_eq!(sim.took(), vec![stop_of("c1")]);
    sim.wait(interval / 2);
    assert_eq!(sim.took(), vec![start_of("c1", false)]);
    assert_eq!(watching(&sim), Some(2));
}
