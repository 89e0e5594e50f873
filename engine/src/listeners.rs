//! Fan-out of updates to the app's listeners (the matrix-rust-sdk pattern): a new subscriber
//! gets the current state first, through the same channel as later updates, so it never
//! misses or reorders a change. The session's events ([`SessionEvent`], current
//! [`SessionState`]) and the app model's updates ([`AppUpdate`], current [`Screen`]) are fed
//! this way.

use std::sync::Mutex;

use lens_core::app::{Effect, Screen};
use lens_core::session::{SessionEvent, SessionState};
use tokio::sync::mpsc;

/// What the app model tells the shell: what the customer sees and what the shell must do.
#[derive(Debug, Clone, PartialEq)]
// Screens are nearly every update; boxing them would allocate twice per screen for nothing.
#[allow(clippy::large_enum_variant)]
pub enum AppUpdate {
    /// The screen to draw now (the first update of every subscription is the current one).
    Screen(Screen),
    /// Something only the shell can do: [`Effect::RequestPermissions`],
    /// [`Effect::OpenSystemSettings`], [`Effect::SaveTutorialSeen`]. The engine carries out
    /// the microphone, camera and torch effects itself and does not pass them on.
    Effect(Effect),
}

/// An update stream with a current state: the state it starts from, and which updates
/// change it.
pub trait Update: Clone {
    type State: Clone;
    /// The update that tells a new subscriber where things stand.
    fn current(state: &Self::State) -> Self;
    /// The new state this update announces, if it announces one.
    fn state(&self) -> Option<&Self::State>;
}

impl Update for SessionEvent {
    type State = SessionState;

    fn current(state: &SessionState) -> Self {
        SessionEvent::StateChanged(state.clone())
    }

    fn state(&self) -> Option<&SessionState> {
        match self {
            SessionEvent::StateChanged(state) => Some(state),
            _ => None,
        }
    }
}

impl Update for AppUpdate {
    type State = Screen;

    fn current(screen: &Screen) -> Self {
        AppUpdate::Screen(screen.clone())
    }

    fn state(&self) -> Option<&Screen> {
        match self {
            AppUpdate::Screen(screen) => Some(screen),
            AppUpdate::Effect(_) => None,
        }
    }
}

pub struct Listeners<U: Update> {
    inner: Mutex<Inner<U>>,
}

struct Inner<U: Update> {
    current: U::State,
    subscribers: Vec<mpsc::UnboundedSender<U>>,
}

impl<U: Update> Listeners<U> {
    pub fn new(initial: U::State) -> Listeners<U> {
        Listeners {
            inner: Mutex::new(Inner {
                current: initial,
                subscribers: Vec::new(),
            }),
        }
    }

    pub fn current(&self) -> U::State {
        self.inner.lock().expect("listeners lock").current.clone()
    }

    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<U> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut inner = self.inner.lock().expect("listeners lock");
        let _ = tx.send(U::current(&inner.current));
        inner.subscribers.push(tx);
        rx
    }

    pub fn publish(&self, update: U) {
        let mut inner = self.inner.lock().expect("listeners lock");
        if let Some(state) = update.state() {
            inner.current = state.clone();
        }
        // A dropped receiver is an unsubscribed listener.
        inner
            .subscribers
            .retain(|tx| tx.send(update.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests;
