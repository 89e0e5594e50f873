//! A live session whose media path breaks: ICE restarts within the grace, one story of
//! "reconnecting" for the customer, and an end in words when the path does not come back.

use std::time::Duration;

use super::*;
use crate::signal::{IceConfig, IceServer};

fn sent(sim: &Sim) -> Vec<CustomerMessage> {
    sim.commands
        .iter()
        .filter_map(|c| match c {
            Command::Send(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn restarts(sim: &Sim) -> usize {
    sim.commands
        .iter()
        .filter(|c| **c == Command::RestartIce)
        .count()
}

#[test]
fn the_start_hands_the_calls_ice_servers_and_relay_policy_to_the_engine() {
    let mut sim = Sim::waiting();
    let ice = IceConfig {
        ice_servers: vec![IceServer {
            urls: vec!["turn:10.0.0.1:3478?transport=udp".into()],
            username: Some("1767225600:s1".into()),
            credential: Some("secret".into()),
        }],
        relay_only: true,
    };
    sim.ok(Input::FromServer(ServerToCustomer::Start {
        ice: ice.clone(),
    }));
    assert_eq!(
        sim.took(),
        vec![Command::StartMedia {
            camera: true,
            microphone: true,
            ice,
        }]
    );
}

#[test]
fn a_broken_path_restarts_ice_and_the_restart_offer_is_marked() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerInterrupted);
    assert_eq!(sim.state(), &SessionState::Live, "the session goes on");
    assert_eq!(restarts(&sim), 1);
    assert_eq!(sent(&sim), vec![CustomerMessage::Reconnecting]);
    assert_eq!(sim.events, vec![SessionEvent::Reconnecting { attempt: 1 }]);
    sim.took();

    sim.ok(Input::LocalOffer("restart".into()));
    assert_eq!(
        sent(&sim),
        vec![CustomerMessage::Offer {
            sdp: "restart".into(),
            ice_restart: true
        }]
    );
    sim.took();
    sim.events.clear();

    sim.ok(Input::PeerConnected);
    assert_eq!(sent(&sim), vec![CustomerMessage::Reconnected]);
    assert_eq!(sim.events, vec![SessionEvent::Reconnected]);
    assert!(!sim.commands.contains(&Command::StopMedia));
}

#[test]
fn a_failed_path_while_live_is_retried_not_ended() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerFailed);
    assert_eq!(sim.state(), &SessionState::Live);
    assert_eq!(restarts(&sim), 1);
    // Nothing comes back for a while: a restart every five seconds.
    sim.wait(Duration::from_secs(16));
    assert_eq!(restarts(&sim), 4);
    assert_eq!(sim.state(), &SessionState::Live);
}

#[test]
fn a_path_that_stays_broken_past_the_grace_ends_the_session_in_words() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerInterrupted);
    sim.wait(Duration::from_secs(29));
    assert_eq!(sim.state(), &SessionState::Live);
    sim.wait(Duration::from_secs(2));
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::ConnectionLost)
        }
    );
    assert!(sim.commands.contains(&Command::StopMedia));
    assert!(sent(&sim).contains(&CustomerMessage::Leave));
    assert_eq!(
        Ended::Session(EndReason::ConnectionLost).describe(),
        "The connection was lost"
    );
}

#[test]
fn a_network_change_restarts_at_once_even_during_a_recovery() {
    let mut sim = Sim::live();
    sim.ok(Input::NetworkChanged);
    assert_eq!(restarts(&sim), 1);
    sim.ok(Input::NetworkChanged);
    assert_eq!(restarts(&sim), 2, "the new network gets its own restart");
    // An interruption during the recovery waits for the timer.
    sim.ok(Input::PeerInterrupted);
    assert_eq!(restarts(&sim), 2);
    assert_eq!(
        sent(&sim)
            .iter()
            .filter(|m| **m == CustomerMessage::Reconnecting)
            .count(),
        1,
        "the technician hears of one recovery"
    );
}

#[test]
fn a_network_change_while_a_restart_awaits_its_answer_restarts_once_it_is_in() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerInterrupted);
    sim.ok(Input::LocalOffer("first restart".into()));
    sim.took();
    // The addresses change before the technician answered: a second offer now would get the
    // first one's answer, and its own answer would then find no offer to answer.
    sim.ok(Input::NetworkChanged);
    assert_eq!(restarts(&sim), 0, "{:?}", sim.commands);
    sim.ok(Input::FromServer(ServerToCustomer::Answer {
        sdp: "first answer".into(),
    }));
    assert_eq!(
        sim.took(),
        vec![
            Command::ApplyAnswer("first answer".into()),
            Command::CheckSignalling,
            Command::RestartIce,
        ],
        "the answer is applied, then the new network gets its restart"
    );
    sim.ok(Input::LocalOffer("second restart".into()));
    assert_eq!(
        sent(&sim),
        vec![CustomerMessage::Offer {
            sdp: "second restart".into(),
            ice_restart: true
        }]
    );
}

#[test]
fn an_unanswered_restart_does_not_hold_up_the_timers_next_one() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerInterrupted);
    sim.ok(Input::LocalOffer("first restart".into()));
    sim.ok(Input::NetworkChanged);
    sim.took();
    // The answer was lost with the old network: the recovery's timer restarts all the same,
    // and the late answer, if it comes, restarts nothing more.
    sim.wait(Duration::from_secs(5));
    assert_eq!(restarts(&sim), 1);
    sim.took();
    sim.ok(Input::FromServer(ServerToCustomer::Answer {
        sdp: "late answer".into(),
    }));
    assert_eq!(restarts(&sim), 0);
}

#[test]
fn the_socket_and_the_media_path_are_one_story_for_the_customer() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerInterrupted);
    sim.ok(Input::SignallingLost);
    sim.events.clear();
    // The socket comes back first: still reconnecting, the media path is not back.
    sim.wait(Duration::from_secs(1));
    sim.ok(Input::SignallingConnected);
    assert!(!sim.events.contains(&SessionEvent::Reconnected));
    // The restart's offer went out through the queue once the socket was back.
    assert!(sent(&sim).contains(&CustomerMessage::Reconnecting));
    sim.ok(Input::PeerConnected);
    assert_eq!(sim.events.last(), Some(&SessionEvent::Reconnected));
}

#[test]
fn every_restart_first_checks_that_the_socket_still_answers() {
    let mut sim = Sim::live();
    sim.ok(Input::NetworkChanged);
    // Checked before the restart's offer is queued behind it.
    let commands = sim.took();
    let check = commands.iter().position(|c| *c == Command::CheckSignalling);
    let restart = commands.iter().position(|c| *c == Command::RestartIce);
    assert!(
        matches!((check, restart), (Some(c), Some(r)) if c < r),
        "{commands:?}"
    );
    // The timer's next restart checks again.
    sim.wait(Duration::from_secs(5));
    assert!(sim.took().contains(&Command::CheckSignalling));
    // A socket already being reconnected is not checked: its reconnect is under way.
    sim.ok(Input::SignallingLost);
    sim.took();
    sim.ok(Input::NetworkChanged);
    let commands = sim.took();
    assert!(commands.contains(&Command::RestartIce));
    assert!(
        !commands.contains(&Command::CheckSignalling),
        "{commands:?}"
    );
}

#[test]
fn after_a_socket_that_died_with_the_network_the_technician_hears_reconnecting_again() {
    let mut sim = Sim::live();
    sim.ok(Input::NetworkChanged);
    sim.took(); // the Reconnecting went out on a socket that was already dead
    sim.ok(Input::SignallingLost);
    sim.wait(Duration::from_secs(1));
    sim.took();
    sim.ok(Input::SignallingConnected);
    assert_eq!(
        sent(&sim).first(),
        Some(&CustomerMessage::Reconnecting),
        "said again first on the new socket"
    );
    assert_eq!(
        sent(&sim)
            .iter()
            .filter(|m| **m == CustomerMessage::Reconnecting)
            .count(),
        1
    );
    // Without a recovery, a socket that comes back says nothing of the kind.
    let mut quiet = Sim::live();
    quiet.ok(Input::SignallingLost);
    quiet.wait(Duration::from_secs(1));
    quiet.took();
    quiet.ok(Input::SignallingConnected);
    assert!(!sent(&quiet).contains(&CustomerMessage::Reconnecting));
}

#[test]
fn a_restarts_offer_queued_while_the_socket_was_down_is_not_sent_on_the_new_one() {
    let mut sim = Sim::live();
    // The handover: the path breaks and the socket dies with the old network; the restart's
    // offer and a candidate wait for the socket.
    sim.ok(Input::PeerInterrupted);
    sim.ok(Input::SignallingLost);
    sim.ok(Input::LocalOffer("restart on the old connection".into()));
    sim.ok(Input::LocalCandidate(IceCandidate {
        candidate: "candidate:1 1 udp 1 10.0.0.2 9 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    }));
    sim.wait(Duration::from_secs(1));
    sim.took();
    // The server answers the new socket with Start, and a new connection replaces this one:
    // an answer to the old one's offer would be applied to the new one.
    sim.ok(Input::SignallingConnected);
    let flushed = sent(&sim);
    assert!(
        !flushed.iter().any(|m| matches!(
            m,
            CustomerMessage::Offer { .. } | CustomerMessage::Candidate { .. }
        )),
        "{flushed:?}"
    );
    assert_eq!(flushed.first(), Some(&CustomerMessage::Reconnecting));
    sim.took();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::LocalOffer("the new connection's".into()));
    assert!(
        sent(&sim).contains(&CustomerMessage::Offer {
            sdp: "the new connection's".into(),
            ice_restart: false
        }),
        "{:?}",
        sim.commands
    );
}

#[test]
fn a_start_during_a_recovery_replaces_the_connection_and_reconnected_follows_it() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerFailed);
    sim.took();
    // The server repeats Start after the app's socket came back: a new connection.
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    assert!(sim.commands.contains(&Command::StopMedia));
    assert_eq!(sim.state(), &SessionState::Connecting);
    sim.took();
    sim.ok(Input::LocalOffer("fresh".into()));
    assert_eq!(
        sent(&sim),
        vec![CustomerMessage::Offer {
            sdp: "fresh".into(),
            ice_restart: false
        }],
        "a new connection's offer is not a restart"
    );
    sim.took();
    sim.ok(Input::PeerConnected);
    assert_eq!(sent(&sim), vec![CustomerMessage::Reconnected]);
    // The grace no longer runs: the session stays live.
    sim.wait(Duration::from_secs(60));
    assert_eq!(sim.state(), &SessionState::Live);
}

#[test]
fn a_hold_during_a_recovery_forgets_it() {
    let mut sim = Sim::live();
    sim.ok(Input::PeerInterrupted);
    sim.ok(Input::FromServer(ServerToCustomer::Hold));
    sim.took();
    sim.wait(Duration::from_secs(60));
    assert_eq!(restarts(&sim), 0);
    assert!(matches!(
        sim.state(),
        SessionState::WaitingForTechnician { .. }
    ));
}

#[test]
fn ice_server_errors_go_to_the_technician_only_while_media_runs() {
    let mut sim = Sim::waiting();
    let error = || Input::IceServerError {
        url: "turn:10.0.0.1:3478".into(),
        code: 401,
        text: "Unauthorized".into(),
    };
    sim.ok(error());
    assert!(sent(&sim).is_empty());
    let mut sim = Sim::live();
    sim.ok(error());
    assert_eq!(
        sent(&sim),
        vec![CustomerMessage::IceServerError {
            url: "turn:10.0.0.1:3478".into(),
            code: 401,
            text: "Unauthorized".into(),
        }]
    );
}

#[test]
fn a_connection_that_never_came_up_still_ends_as_media_failed() {
    let mut sim = Sim::waiting();
    sim.ok(Input::FromServer(ServerToCustomer::start()));
    sim.ok(Input::PeerFailed);
    assert_eq!(
        sim.state(),
        &SessionState::Ended {
            reason: Ended::Session(EndReason::MediaFailed)
        }
    );
    assert_eq!(restarts(&sim), 0);
}
