//! Fan-out of session events to the app's listeners (the matrix-rust-sdk pattern): a new
//! subscriber gets the current state first, through the same channel as later events, so it
//! never misses or reorders a change.

use std::sync::Mutex;

use lens_core::session::{SessionEvent, SessionState};
use tokio::sync::mpsc;

pub struct Listeners {
    inner: Mutex<Inner>,
}

struct Inner {
    current: SessionState,
    subscribers: Vec<mpsc::UnboundedSender<SessionEvent>>,
}

impl Listeners {
    pub fn new(initial: SessionState) -> Listeners {
        Listeners {
            inner: Mutex::new(Inner {
                current: initial,
                subscribers: Vec::new(),
            }),
        }
    }

    pub fn current(&self) -> SessionState {
        self.inner.lock().expect("listeners lock").current.clone()
    }

    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<SessionEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut inner = self.inner.lock().expect("listeners lock");
        let _ = tx.send(SessionEvent::StateChanged(inner.current.clone()));
        inner.subscribers.push(tx);
        rx
    }

    pub fn publish(&self, event: SessionEvent) {
        let mut inner = self.inner.lock().expect("listeners lock");
        if let SessionEvent::StateChanged(state) = &event {
            inner.current = state.clone();
        }
        // A dropped receiver is an unsubscribed listener.
        inner
            .subscribers
            .retain(|tx| tx.send(event.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
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
}
