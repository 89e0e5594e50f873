//! The live socket registry: which consoles each technician has open, which customer socket
//! belongs to each session, and where the media signalling of an active session goes.
//!
//! The hub only routes; it never touches the database and never decides whether a session
//! may change (that is `sessions.rs`). Each socket task owns its WebSocket and drains a
//! bounded outbox that the hub fills. A socket whose outbox is full is not keeping up: it is
//! dropped (its client reconnects and gets fresh state) rather than buffered without bound.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use lens_core::signal::{EndReason, ServerToCustomer, ServerToTechnician};
use tokio::sync::mpsc;

/// Identifies one WebSocket connection for the life of the process.
pub type ConnId = u64;

/// Messages queued per socket before it counts as stuck. Candidates come in bursts of a
/// few dozen at most.
const OUTBOX_CAPACITY: usize = 256;

/// Why the server closes a socket, as a WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReason {
    pub code: u16,
    pub reason: &'static str,
}

impl CloseReason {
    pub const SESSION_ENDED: CloseReason = CloseReason {
        code: 1000,
        reason: "session ended",
    };
    pub const GOING_AWAY: CloseReason = CloseReason {
        code: 1001,
        reason: "server shutting down",
    };
    pub const IDLE: CloseReason = CloseReason {
        code: 1001,
        reason: "no traffic from the peer",
    };
    pub const SERVER_ERROR: CloseReason = CloseReason {
        code: 1011,
        reason: "server error; try again",
    };
    pub const TOO_SLOW: CloseReason = CloseReason {
        code: 1008,
        reason: "not reading messages fast enough",
    };
    /// A newer connection with the same customer token took over.
    pub const REPLACED: CloseReason = CloseReason {
        code: 4000,
        reason: "replaced by a newer connection",
    };
    /// The console's log-in ended (sign-out, expiry, password reset); show the log-in form.
    pub const SIGNED_OUT: CloseReason = CloseReason {
        code: 4401,
        reason: "signed out",
    };
}

/// What a technician socket task is asked to do.
#[derive(Debug)]
pub enum ToTechnician {
    Send(ServerToTechnician),
    /// One of the technician's sessions changed: send the fresh list. The socket task reads
    /// the list itself when it gets here, so a list is never older than the change that
    /// triggered it.
    SessionsChanged,
    Close(CloseReason),
}

/// What a customer socket task is asked to do.
#[derive(Debug)]
pub enum ToCustomer {
    Send(ServerToCustomer),
    Close(CloseReason),
}

struct TechnicianConn {
    id: ConnId,
    /// Hash of the console log-in this socket was opened with, so sign-out can close it.
    login: String,
    outbox: mpsc::Sender<ToTechnician>,
}

/// The customer side of a session that has been joined and not ended.
struct CustomerSlot {
    connection: Option<(ConnId, mpsc::Sender<ToCustomer>)>,
    /// Bumped every time the customer goes missing, so a grace timer can tell whether the
    /// absence it was started for is still the current one.
    absence: u64,
}

#[derive(Default)]
struct Registry {
    technicians: HashMap<i64, Vec<TechnicianConn>>,
    customers: HashMap<String, CustomerSlot>,
    /// The console that started (or resumed) each active session gets its offer and
    /// candidates, so a second open tab does not answer the same offer.
    media_owner: HashMap<String, ConnId>,
}

#[derive(Default)]
pub struct Hub {
    next_id: AtomicU64,
    registry: Mutex<Registry>,
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // Nothing in the registry can be left half-updated by a panic, so a poisoned lock
        // is still usable.
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn next_conn_id(&self) -> ConnId {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    // ---- technicians -------------------------------------------------------------------

    pub fn connect_technician(
        &self,
        technician_id: i64,
        login: String,
    ) -> (ConnId, mpsc::Receiver<ToTechnician>) {
        let id = self.next_conn_id();
        let (outbox, inbox) = mpsc::channel(OUTBOX_CAPACITY);
        self.registry()
            .technicians
            .entry(technician_id)
            .or_default()
            .push(TechnicianConn { id, login, outbox });
        (id, inbox)
    }

    pub fn disconnect_technician(&self, technician_id: i64, conn: ConnId) {
        let mut registry = self.registry();
        if let Some(conns) = registry.technicians.get_mut(&technician_id) {
            conns.retain(|c| c.id != conn);
            if conns.is_empty() {
                registry.technicians.remove(&technician_id);
            }
        }
        registry.media_owner.retain(|_, owner| *owner != conn);
    }

    /// Tells every open console of the technician to refresh its list.
    pub fn sessions_changed(&self, technician_id: i64) {
        let mut registry = self.registry();
        if let Some(conns) = registry.technicians.get_mut(&technician_id) {
            conns.retain(|c| deliver(&c.outbox, ToTechnician::SessionsChanged));
        }
    }

    /// Sends a message to every open console of the technician.
    pub fn send_to_technician(&self, technician_id: i64, message: ServerToTechnician) -> usize {
        let mut registry = self.registry();
        let Some(conns) = registry.technicians.get_mut(&technician_id) else {
            return 0;
        };
        conns.retain(|c| deliver(&c.outbox, ToTechnician::Send(message.clone())));
        conns.len()
    }

    /// Sends media signalling of an active session to the console that started it, or to
    /// all the technician's consoles if that one is gone (a reloaded console then shows
    /// the offer to whichever tab resumes). Returns how many consoles got it.
    pub fn send_media_to_technician(
        &self,
        technician_id: i64,
        session_id: &str,
        message: ServerToTechnician,
    ) -> usize {
        let mut guard = self.registry();
        let registry = &mut *guard;
        let Some(conns) = registry.technicians.get_mut(&technician_id) else {
            return 0;
        };
        if let Some(owner) = registry.media_owner.get(session_id)
            && let Some(conn) = conns.iter().find(|c| c.id == *owner)
        {
            if deliver(&conn.outbox, ToTechnician::Send(message)) {
                return 1;
            }
            let stuck = conn.id;
            conns.retain(|c| c.id != stuck);
            return 0;
        }
        conns.retain(|c| deliver(&c.outbox, ToTechnician::Send(message.clone())));
        conns.len()
    }

    pub fn set_media_owner(&self, session_id: &str, conn: ConnId) {
        self.registry()
            .media_owner
            .insert(session_id.to_owned(), conn);
    }

    /// The session's media signalling no longer belongs to any console (it was handed to
    /// another technician, whose Start names the new owner).
    pub fn release_media_owner(&self, session_id: &str) {
        self.registry().media_owner.remove(session_id);
    }

    /// Closes every console socket opened with this log-in.
    pub fn sign_out(&self, login: &str) {
        let mut registry = self.registry();
        for conns in registry.technicians.values_mut() {
            conns.retain(|c| {
                if c.login != login {
                    return true;
                }
                let _ = c
                    .outbox
                    .try_send(ToTechnician::Close(CloseReason::SIGNED_OUT));
                false
            });
        }
        registry.technicians.retain(|_, conns| !conns.is_empty());
    }

    pub fn technician_connections(&self, technician_id: i64) -> usize {
        self.registry()
            .technicians
            .get(&technician_id)
            .map_or(0, Vec::len)
    }

    // ---- customers ---------------------------------------------------------------------

    /// A customer redeemed the PIN: from now on the session expects a customer socket.
    /// Returns the absence to watch until the socket arrives.
    pub fn expect_customer(&self, session_id: &str) -> u64 {
        let mut registry = self.registry();
        let slot = registry
            .customers
            .entry(session_id.to_owned())
            .or_insert(CustomerSlot {
                connection: None,
                absence: 0,
            });
        if slot.connection.is_none() {
            slot.absence += 1;
        }
        slot.absence
    }

    /// Registers the customer's socket. A previous socket for the same session (a
    /// reconnect racing a half-dead connection) is closed: there is one customer.
    pub fn connect_customer(&self, session_id: &str) -> (ConnId, mpsc::Receiver<ToCustomer>) {
        let id = self.next_conn_id();
        let (outbox, inbox) = mpsc::channel(OUTBOX_CAPACITY);
        let mut registry = self.registry();
        let slot = registry
            .customers
            .entry(session_id.to_owned())
            .or_insert(CustomerSlot {
                connection: None,
                absence: 0,
            });
        if let Some((_, previous)) = slot.connection.replace((id, outbox)) {
            let _ = previous.try_send(ToCustomer::Close(CloseReason::REPLACED));
        }
        (id, inbox)
    }

    /// The customer's socket ended. If it was the session's current socket, the customer
    /// is now missing: returns the absence for the grace timer to watch.
    pub fn disconnect_customer(&self, session_id: &str, conn: ConnId) -> Option<u64> {
        let mut registry = self.registry();
        let slot = registry.customers.get_mut(session_id)?;
        match &slot.connection {
            Some((current, _)) if *current == conn => {
                slot.connection = None;
                slot.absence += 1;
                Some(slot.absence)
            }
            _ => None,
        }
    }

    /// True if the customer has not come back since `absence` began.
    pub fn customer_still_absent(&self, session_id: &str, absence: u64) -> bool {
        self.registry()
            .customers
            .get(session_id)
            .is_some_and(|slot| slot.connection.is_none() && slot.absence == absence)
    }

    pub fn customer_connected(&self, session_id: &str) -> bool {
        self.registry()
            .customers
            .get(session_id)
            .is_some_and(|slot| slot.connection.is_some())
    }

    /// Sends to the session's customer; false if no customer socket is there to get it.
    pub fn send_to_customer(&self, session_id: &str, message: ServerToCustomer) -> bool {
        let mut registry = self.registry();
        let Some(slot) = registry.customers.get_mut(session_id) else {
            return false;
        };
        let Some((_, outbox)) = &slot.connection else {
            return false;
        };
        if deliver(outbox, ToCustomer::Send(message)) {
            return true;
        }
        // Stuck: drop the socket; the customer reconnects and is told the current state.
        slot.connection = None;
        slot.absence += 1;
        false
    }

    /// Forgets everything about a session that is over, without telling anyone.
    pub fn forget_session(&self, session_id: &str) {
        let mut registry = self.registry();
        registry.media_owner.remove(session_id);
        registry.customers.remove(session_id);
    }

    /// The session is over: tell the customer why, close its socket and forget the session.
    pub fn end_session(&self, session_id: &str, reason: EndReason) {
        let mut registry = self.registry();
        registry.media_owner.remove(session_id);
        if let Some(CustomerSlot {
            connection: Some((_, outbox)),
            ..
        }) = registry.customers.remove(session_id)
        {
            let _ = outbox.try_send(ToCustomer::Send(ServerToCustomer::End { reason }));
            let _ = outbox.try_send(ToCustomer::Close(CloseReason::SESSION_ENDED));
        }
    }
}

/// Queues without waiting; false if the socket is gone or stuck (the caller drops it).
fn deliver<T>(outbox: &mpsc::Sender<T>, item: T) -> bool {
    outbox.try_send(item).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconnecting_customer_replaces_the_old_socket() {
        let hub = Hub::new();
        let (first, mut first_inbox) = hub.connect_customer("s");
        let (second, _second_inbox) = hub.connect_customer("s");
        assert!(matches!(
            first_inbox.try_recv(),
            Ok(ToCustomer::Close(CloseReason::REPLACED))
        ));
        // The old socket's exit must not count as the customer leaving.
        assert_eq!(hub.disconnect_customer("s", first), None);
        assert!(hub.customer_connected("s"));
        let absence = hub.disconnect_customer("s", second).unwrap();
        assert!(hub.customer_still_absent("s", absence));
        let (_third, _inbox) = hub.connect_customer("s");
        assert!(!hub.customer_still_absent("s", absence));
    }

    #[test]
    fn media_goes_to_the_console_that_started() {
        let hub = Hub::new();
        let (a, mut inbox_a) = hub.connect_technician(1, "login".into());
        let (_b, mut inbox_b) = hub.connect_technician(1, "login".into());
        hub.set_media_owner("s", a);
        let offer = ServerToTechnician::Offer {
            session_id: "s".into(),
            sdp: "v=0".into(),
            ice_restart: false,
            ice: Default::default(),
        };
        assert_eq!(hub.send_media_to_technician(1, "s", offer.clone()), 1);
        assert!(inbox_a.try_recv().is_ok());
        assert!(inbox_b.try_recv().is_err());
        // When the starting console is gone, every console gets it.
        hub.disconnect_technician(1, a);
        assert_eq!(hub.send_media_to_technician(1, "s", offer), 1);
        assert!(inbox_b.try_recv().is_ok());
    }

    #[test]
    fn sign_out_closes_only_that_login() {
        let hub = Hub::new();
        let (_a, mut inbox_a) = hub.connect_technician(1, "one".into());
        let (_b, mut inbox_b) = hub.connect_technician(1, "two".into());
        hub.sign_out("one");
        assert!(matches!(
            inbox_a.try_recv(),
            Ok(ToTechnician::Close(CloseReason::SIGNED_OUT))
        ));
        assert!(inbox_b.try_recv().is_err());
        assert_eq!(hub.technician_connections(1), 1);
    }

    #[test]
    fn ending_tells_the_customer_why() {
        let hub = Hub::new();
        let (_c, mut inbox) = hub.connect_customer("s");
        hub.end_session("s", EndReason::TechnicianEnded);
        assert!(matches!(
            inbox.try_recv(),
            Ok(ToCustomer::Send(ServerToCustomer::End {
                reason: EndReason::TechnicianEnded
            }))
        ));
        assert!(matches!(
            inbox.try_recv(),
            Ok(ToCustomer::Close(CloseReason::SESSION_ENDED))
        ));
        assert!(!hub.send_to_customer("s", ServerToCustomer::start()));
    }
}
