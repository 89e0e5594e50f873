//! Keeping a live session's media through a broken path: when ICE disconnects or fails, or
//! the device's network changes, the app restarts ICE (a new offer with fresh credentials
//! over the interfaces there are now) every few seconds until media flows again, and ends
//! the session only after a grace period.
//!
//! The customer reads one story: a signalling socket that drops and a media path that
//! breaks both show as [`SessionEvent::Reconnecting`], and [`SessionEvent::Reconnected`]
//! comes only when both are back.
//!
//! One restart's offer is in flight at a time. A network change while a restart's offer
//! awaits its answer restarts again once the answer is in, not before: with two offers out,
//! the first answer was applied to the second offer and the second answer then found no offer
//! to answer, which the engine takes for a failed connection (the handover test saw the
//! session end that way). The recovery timer's restarts do not wait: an answer lost with the
//! old network must not hold the recovery up.

use std::time::Instant;

use super::{
    Command, CustomerSession, Ended, SessionConfig, SessionEvent, SessionState, Signalling,
};
use crate::signal::{CustomerMessage, EndReason};

/// A media path being recovered.
#[derive(Debug, Clone)]
pub(super) struct MediaRecovery {
    attempt: u32,
    next_restart_at: Instant,
    give_up_at: Instant,
}

impl MediaRecovery {
    fn start(now: Instant, config: &SessionConfig) -> MediaRecovery {
        MediaRecovery {
            attempt: 1,
            next_restart_at: now + config.ice_restart_interval,
            give_up_at: now + config.media_reconnect_grace,
        }
    }

    pub(super) fn next_deadline(&self) -> Instant {
        self.next_restart_at.min(self.give_up_at)
    }
}

impl CustomerSession {
    /// ICE went disconnected or failed, or the network changed, while media ran.
    /// `network_changed` restarts even when a restart is already under way (the interfaces
    /// it gathered on may be gone): at once, or as soon as that restart's offer is answered.
    pub(super) fn on_media_path_broken(&mut self, network_changed: bool) {
        if self.state != SessionState::Live || !self.media_running {
            return;
        }
        match self.media_recovery {
            // Already restarting; the next restart is on the timer.
            Some(_) if !network_changed => {}
            // The restart under way still awaits its answer: this one follows it.
            Some(_) if self.restart_offer_unanswered => self.restart_when_answered = true,
            Some(_) => self.restart_now(),
            None => {
                self.media_recovery = Some(MediaRecovery::start(self.now, &self.config));
                self.send(CustomerMessage::Reconnecting);
                self.announce_reconnecting();
                self.restart_ice();
            }
        }
        // The lead's restart first: theirs is the call.
        if network_changed {
            self.renew_collaborators_now();
        }
    }

    /// The media connection is up (again).
    pub(super) fn on_media_path_restored(&mut self) {
        if self.media_recovery.take().is_some() || self.restored_owed {
            self.restored_owed = false;
            self.send(CustomerMessage::Reconnected);
            self.announce_if_reconnected();
        }
    }

    /// A new peer connection replaces the one being recovered (the technician's Start after
    /// the app's socket came back): the recovery is over, but media is not back until that
    /// connection is up, so [`CustomerMessage::Reconnected`] is still owed.
    pub(super) fn media_replaced(&mut self) {
        if self.media_recovery.take().is_some() {
            self.restored_owed = true;
        }
    }

    /// Media stopped (hold, end): nothing to recover.
    pub(super) fn forget_media_recovery(&mut self) {
        self.media_recovery = None;
        self.restored_owed = false;
        self.forget_restart_offers();
    }

    /// A new peer connection, or none: no restart's offer is owed or awaited any more.
    pub(super) fn forget_restart_offers(&mut self) {
        self.ice_restart_offer_owed = false;
        self.restart_offer_unanswered = false;
        self.restart_when_answered = false;
    }

    /// The technician answered the offer in flight (the engine applies it first): a restart
    /// the network's change asked for meanwhile goes out now.
    pub(super) fn restart_offer_answered(&mut self) {
        self.restart_offer_unanswered = false;
        if std::mem::take(&mut self.restart_when_answered) && self.media_recovery.is_some() {
            self.restart_now();
        }
    }

    /// The timer's share: restart again, or give up after the grace.
    pub(super) fn on_media_recovery_timeout(&mut self) {
        let now = self.now;
        let Some(recovery) = &mut self.media_recovery else {
            return;
        };
        if now >= recovery.give_up_at {
            self.media_recovery = None;
            self.leave(Ended::Session(EndReason::ConnectionLost));
            return;
        }
        if now >= recovery.next_restart_at {
            self.restart_when_answered = false;
            self.restart_now();
        }
    }

    /// The next restart of a recovery, now.
    fn restart_now(&mut self) {
        if let Some(recovery) = &mut self.media_recovery {
            recovery.attempt += 1;
            recovery.next_restart_at = self.now + self.config.ice_restart_interval;
        }
        self.restart_ice();
    }

    fn restart_ice(&mut self) {
        self.ice_restart_offer_owed = true;
        // The restart's offer goes out on the socket: find out now whether it still carries
        // anything. If not, the socket comes back, the server sends Start again, and a new
        // peer connection replaces this one.
        if self.signalling == Signalling::Connected {
            self.command(Command::CheckSignalling);
        }
        self.command(Command::RestartIce);
    }

    /// Whether the next local offer is an ICE restart's (once).
    pub(super) fn take_ice_restart_offer(&mut self) -> bool {
        std::mem::take(&mut self.ice_restart_offer_owed)
    }

    /// The socket came back while media is being recovered: what went out on the dead one
    /// (the `reconnecting` said when the path broke) may never have reached the server, so
    /// the technician is told again unless it is still queued.
    pub(super) fn restate_media_recovery(&mut self) {
        let recovering = self.media_recovery.is_some() || self.restored_owed;
        if recovering && !self.outbox.contains(&CustomerMessage::Reconnecting) {
            self.outbox.push_front(CustomerMessage::Reconnecting);
        }
    }

    /// Says "reconnecting" unless the signalling side already did.
    pub(super) fn announce_reconnecting(&mut self) {
        if self.reconnect.is_none() {
            self.event(SessionEvent::Reconnecting { attempt: 1 });
        }
    }

    /// Says "reconnected" once neither the socket nor the media path is being recovered.
    pub(super) fn announce_if_reconnected(&mut self) {
        if self.reconnect.is_none() && self.media_recovery.is_none() {
            self.event(SessionEvent::Reconnected);
        }
    }

    pub(super) fn media_recovery_deadline(&self) -> Option<Instant> {
        self.media_recovery
            .as_ref()
            .map(MediaRecovery::next_deadline)
    }
}
