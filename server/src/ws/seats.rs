//! The collaborators of each live session (seed 004): one seat per redeemed invitation, and
//! the console socket sitting in it, if any. Like the hub, this only routes: it never touches
//! the database and never decides (that is `flow/collaboration.rs`).
//!
//! Each socket in a seat gets a fresh `peer`, the customer's name for that peer connection,
//! so a console that reconnects is a new peer and the old one's messages go nowhere. A seat
//! whose socket went away waits for it for the reconnect grace period (`absence`), like the
//! customer's slot in the hub.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lens_core::signal::{CollaboratorPermissions, CollaboratorSummary, ServerToCollaborator};
use tokio::sync::mpsc;

use crate::tokens::random_id;
use crate::ws::hub::{CloseReason, ConnId};

/// Messages queued per collaborator socket before it counts as stuck.
const OUTBOX_CAPACITY: usize = 256;

/// What a collaborator socket task is asked to do.
#[derive(Debug)]
pub enum ToCollaborator {
    Send(ServerToCollaborator),
    Close(CloseReason),
}

/// Who sits in a seat, as the invitation said (permissions as the lead last set them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// The invitation's id: stable for the seat's life, never sent to anyone.
    pub invitation_id: String,
    pub name: String,
    pub external: bool,
    pub permissions: CollaboratorPermissions,
    /// Unix milliseconds.
    pub joined_at: i64,
}

struct Socket {
    peer: String,
    conn: ConnId,
    outbox: mpsc::Sender<ToCollaborator>,
}

struct Occupied {
    seat: Seat,
    socket: Option<Socket>,
    absence: u64,
}

/// A connected collaborator as the customer must know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub peer: String,
    pub name: String,
    pub talk: bool,
}

#[derive(Default)]
pub struct Seats {
    next_id: AtomicU64,
    sessions: Mutex<HashMap<String, Vec<Occupied>>>,
}

impl Seats {
    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Occupied>>> {
        // Nothing here can be left half-updated by a panic.
        self.sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A redeemed invitation takes its seat; its console is expected. Returns the absence
    /// to watch until the socket arrives.
    pub fn sit(&self, session_id: &str, seat: Seat) -> u64 {
        let mut sessions = self.sessions();
        let seats = sessions.entry(session_id.to_owned()).or_default();
        seats.retain(|o| o.seat.invitation_id != seat.invitation_id);
        seats.push(Occupied {
            seat,
            socket: None,
            absence: 1,
        });
        1
    }

    /// The seat's console connected: a new peer. A previous socket of the same seat is
    /// closed (returned as its peer, which the customer must drop). None if the seat is gone.
    #[allow(clippy::type_complexity)]
    pub fn connect(
        &self,
        session_id: &str,
        invitation_id: &str,
    ) -> Option<(
        Seat,
        String,
        ConnId,
        mpsc::Receiver<ToCollaborator>,
        Option<String>,
    )> {
        let mut sessions = self.sessions();
        let occupied = sessions
            .get_mut(session_id)?
            .iter_mut()
            .find(|o| o.seat.invitation_id == invitation_id)?;
        let conn = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (outbox, inbox) = mpsc::channel(OUTBOX_CAPACITY);
        let peer = random_id();
        let previous = occupied.socket.replace(Socket {
            peer: peer.clone(),
            conn,
            outbox,
        });
        let replaced = previous.map(|old| {
            let _ = old
                .outbox
                .try_send(ToCollaborator::Close(CloseReason::REPLACED));
            old.peer
        });
        Some((occupied.seat.clone(), peer, conn, inbox, replaced))
    }

    /// The socket ended. If it was the seat's current one, the seat is empty now: returns
    /// the absence for the grace timer to watch.
    pub fn disconnect(&self, session_id: &str, invitation_id: &str, conn: ConnId) -> Option<u64> {
        let mut sessions = self.sessions();
        let occupied = sessions
            .get_mut(session_id)?
            .iter_mut()
            .find(|o| o.seat.invitation_id == invitation_id)?;
        match &occupied.socket {
            Some(socket) if socket.conn == conn => {
                occupied.socket = None;
                occupied.absence += 1;
                Some(occupied.absence)
            }
            _ => None,
        }
    }

    /// True if the seat is still there and has had no socket since `absence` began.
    pub fn still_absent(&self, session_id: &str, invitation_id: &str, absence: u64) -> bool {
        self.sessions().get(session_id).is_some_and(|seats| {
            seats.iter().any(|o| {
                o.seat.invitation_id == invitation_id && o.socket.is_none() && o.absence == absence
            })
        })
    }

    /// Takes the seat away (left, removed, gone too long). Its socket, if any, gets
    /// `ended` (if given) and is closed. Returns the seat and the peer it had.
    pub fn stand_up(
        &self,
        session_id: &str,
        invitation_id: &str,
        ended: Option<ServerToCollaborator>,
    ) -> Option<(Seat, Option<String>)> {
        let mut sessions = self.sessions();
        let seats = sessions.get_mut(session_id)?;
        let index = seats
            .iter()
            .position(|o| o.seat.invitation_id == invitation_id)?;
        let occupied = seats.remove(index);
        if seats.is_empty() {
            sessions.remove(session_id);
        }
        let peer = occupied.socket.map(|socket| {
            if let Some(ended) = ended {
                let _ = socket.outbox.try_send(ToCollaborator::Send(ended));
            }
            let _ = socket
                .outbox
                .try_send(ToCollaborator::Close(CloseReason::SESSION_ENDED));
            socket.peer
        });
        Some((occupied.seat, peer))
    }

    /// Every seat of the session stands up; each socket gets `ended` and is closed.
    pub fn clear(
        &self,
        session_id: &str,
        ended: &ServerToCollaborator,
    ) -> Vec<(Seat, Option<String>)> {
        let Some(seats) = self.sessions().remove(session_id) else {
            return Vec::new();
        };
        seats
            .into_iter()
            .map(|occupied| {
                let peer = occupied.socket.map(|socket| {
                    let _ = socket.outbox.try_send(ToCollaborator::Send(ended.clone()));
                    let _ = socket
                        .outbox
                        .try_send(ToCollaborator::Close(CloseReason::SESSION_ENDED));
                    socket.peer
                });
                (occupied.seat, peer)
            })
            .collect()
    }

    /// The seat of a connected peer.
    pub fn seat_of_peer(&self, session_id: &str, peer: &str) -> Option<Seat> {
        self.sessions().get(session_id).and_then(|seats| {
            seats
                .iter()
                .find(|o| o.socket.as_ref().is_some_and(|s| s.peer == peer))
                .map(|o| o.seat.clone())
        })
    }

    /// The seat as it is now (permissions change under a connected socket).
    pub fn seat(&self, session_id: &str, invitation_id: &str) -> Option<Seat> {
        self.sessions().get(session_id).and_then(|seats| {
            seats
                .iter()
                .find(|o| o.seat.invitation_id == invitation_id)
                .map(|o| o.seat.clone())
        })
    }

    /// New permissions for a connected peer's seat; returns the seat as it was.
    pub fn set_permissions(
        &self,
        session_id: &str,
        peer: &str,
        permissions: CollaboratorPermissions,
    ) -> Option<Seat> {
        let mut sessions = self.sessions();
        let occupied = sessions
            .get_mut(session_id)?
            .iter_mut()
            .find(|o| o.socket.as_ref().is_some_and(|s| s.peer == peer))?;
        let before = occupied.seat.clone();
        occupied.seat.permissions = permissions;
        Some(before)
    }

    /// The collaborators whose console is connected, in the order they sat down.
    pub fn peers(&self, session_id: &str) -> Vec<Peer> {
        self.sessions()
            .get(session_id)
            .map_or_else(Vec::new, |seats| {
                seats
                    .iter()
                    .filter_map(|o| {
                        o.socket.as_ref().map(|s| Peer {
                            peer: s.peer.clone(),
                            name: o.seat.name.clone(),
                            talk: o.seat.permissions.talk,
                        })
                    })
                    .collect()
            })
    }

    /// The lead's list: connected collaborators only (a console between sockets is not in).
    pub fn summaries(&self, session_id: &str) -> Vec<CollaboratorSummary> {
        self.sessions()
            .get(session_id)
            .map_or_else(Vec::new, |seats| {
                seats
                    .iter()
                    .filter_map(|o| {
                        o.socket.as_ref().map(|s| CollaboratorSummary {
                            id: s.peer.clone(),
                            name: o.seat.name.clone(),
                            external: o.seat.external,
                            permissions: o.seat.permissions,
                            joined_at: o.seat.joined_at,
                        })
                    })
                    .collect()
            })
    }

    /// How many collaborators are connected to the session now.
    pub fn connected(&self, session_id: &str) -> u32 {
        self.sessions().get(session_id).map_or(0, |seats| {
            u32::try_from(seats.iter().filter(|o| o.socket.is_some()).count()).unwrap_or(u32::MAX)
        })
    }

    /// Sends to one connected peer; false if no such peer (or it is stuck and was dropped).
    pub fn send_to_peer(
        &self,
        session_id: &str,
        peer: &str,
        message: ServerToCollaborator,
    ) -> bool {
        let mut sessions = self.sessions();
        let Some(seats) = sessions.get_mut(session_id) else {
            return false;
        };
        let Some(occupied) = seats
            .iter_mut()
            .find(|o| o.socket.as_ref().is_some_and(|s| s.peer == peer))
        else {
            return false;
        };
        deliver(occupied, message)
    }

    /// Sends to every connected collaborator of the session.
    pub fn broadcast(&self, session_id: &str, message: &ServerToCollaborator) {
        let mut sessions = self.sessions();
        if let Some(seats) = sessions.get_mut(session_id) {
            for occupied in seats.iter_mut() {
                deliver(occupied, message.clone());
            }
        }
    }
}

/// Queues without waiting. A stuck socket is dropped from its seat (its console reconnects
/// and is a new peer); the seat's absence begins.
fn deliver(occupied: &mut Occupied, message: ServerToCollaborator) -> bool {
    let Some(socket) = &occupied.socket else {
        return false;
    };
    if socket
        .outbox
        .try_send(ToCollaborator::Send(message))
        .is_ok()
    {
        return true;
    }
    occupied.socket = None;
    occupied.absence += 1;
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(id: &str) -> Seat {
        Seat {
            invitation_id: id.into(),
            name: format!("Tech {id}"),
            external: true,
            permissions: CollaboratorPermissions::default(),
            joined_at: 1,
        }
    }

    #[test]
    fn a_reconnecting_console_is_a_new_peer_and_the_old_socket_closes() {
        let seats = Seats::default();
        seats.sit("s", seat("a"));
        let (_, first, first_conn, mut first_inbox, replaced) = seats.connect("s", "a").unwrap();
        assert_eq!(replaced, None);
        let (_, second, _, _inbox, replaced) = seats.connect("s", "a").unwrap();
        assert_ne!(first, second);
        assert_eq!(replaced.as_deref(), Some(first.as_str()));
        assert!(matches!(
            first_inbox.try_recv(),
            Ok(ToCollaborator::Close(CloseReason::REPLACED))
        ));
        // The old socket's exit does not empty the seat.
        assert_eq!(seats.disconnect("s", "a", first_conn), None);
        assert_eq!(seats.connected("s"), 1);
        assert!(!seats.send_to_peer(
            "s",
            &first,
            ServerToCollaborator::Refused {
                message: "x".into()
            }
        ));
        assert!(seats.send_to_peer(
            "s",
            &second,
            ServerToCollaborator::Refused {
                message: "x".into()
            }
        ));
    }

    #[test]
    fn sessions_are_kept_apart() {
        let seats = Seats::default();
        seats.sit("s", seat("a"));
        seats.sit("t", seat("b"));
        let (_, peer_a, ..) = seats.connect("s", "a").unwrap();
        assert!(seats.connect("t", "a").is_none());
        assert!(seats.seat_of_peer("t", &peer_a).is_none());
        assert_eq!(seats.seat_of_peer("s", &peer_a).unwrap().invitation_id, "a");
        let cleared = seats.clear(
            "s",
            &ServerToCollaborator::Refused {
                message: "x".into(),
            },
        );
        assert_eq!(cleared.len(), 1);
        assert_eq!(seats.connected("s"), 0);
        assert!(seats.seat("t", "b").is_some());
    }
}
