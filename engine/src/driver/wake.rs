//! What wakes the driver next, and in which order when several are waiting at once.

use std::time::Instant;

use tokio::sync::mpsc;
use tokio::time::Interval;

/// One reason for the driver to run.
#[derive(Debug, PartialEq)]
pub(super) enum Wake<Q, R> {
    /// A call of the app (a tap, an intent, shutdown).
    Request(Q),
    /// What the world answered: signalling, media, a PIN look-up.
    Report(R),
    /// The app model's own deadline.
    Deadline,
    /// Once a second: the link statistics.
    StatsTick,
}

/// Waits for the next reason to run. The app's requests come first: a tap made before a
/// server message arrived is carried out before it (the shell said the camera has no torch,
/// then the technician asks for the torch: refused). Unbiased, a driver that was busy while
/// both came in would pick either at random. The app's requests come at the pace of a hand,
/// so they cannot starve the rest. A closed requests channel (the app dropped the engine)
/// only stops that source.
pub(super) async fn next_wake<Q, R>(
    requests: &mut mpsc::UnboundedReceiver<Q>,
    reports: &mut mpsc::UnboundedReceiver<R>,
    deadline: Instant,
    stats_tick: &mut Interval,
) -> Wake<Q, R> {
    tokio::select! {
        biased;
        Some(request) = requests.recv() => Wake::Request(request),
        Some(report) = reports.recv() => Wake::Report(report),
        _ = tokio::time::sleep_until(deadline.into()) => Wake::Deadline,
        _ = stats_tick.tick() => Wake::StatsTick,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn far_off() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    #[tokio::test]
    async fn a_request_waiting_beside_a_report_is_taken_first_every_time() {
        let (request_tx, mut requests) = mpsc::unbounded_channel();
        let (report_tx, mut reports) = mpsc::unbounded_channel();
        let mut stats_tick = tokio::time::interval(Duration::from_secs(3600));
        stats_tick.tick().await; // an interval's first tick is immediate
        // A fair pick would take the report first about half the time: 64 rounds in a row
        // would all come out in order once in 2^64.
        for round in 0..64 {
            report_tx.send(round).unwrap();
            request_tx.send(round).unwrap();
            let deadline = far_off();
            let first = next_wake(&mut requests, &mut reports, deadline, &mut stats_tick).await;
            assert_eq!(first, Wake::Request(round), "round {round}");
            let second = next_wake(&mut requests, &mut reports, deadline, &mut stats_tick).await;
            assert_eq!(second, Wake::Report(round), "round {round}");
        }
    }

    #[tokio::test]
    async fn reports_and_the_deadline_still_come_when_no_request_waits() {
        let (_request_tx, mut requests) = mpsc::unbounded_channel::<u32>();
        let (report_tx, mut reports) = mpsc::unbounded_channel();
        let mut stats_tick = tokio::time::interval(Duration::from_secs(3600));
        stats_tick.tick().await;
        report_tx.send("answer").unwrap();
        let wake = next_wake(&mut requests, &mut reports, far_off(), &mut stats_tick).await;
        assert_eq!(wake, Wake::Report("answer"));
        let soon = Instant::now() + Duration::from_millis(20);
        let wake = next_wake(&mut requests, &mut reports, soon, &mut stats_tick).await;
        assert_eq!(wake, Wake::Deadline);
    }

    #[tokio::test]
    async fn an_app_that_dropped_the_engine_leaves_the_other_sources_running() {
        let (request_tx, mut requests) = mpsc::unbounded_channel::<u32>();
        let (report_tx, mut reports) = mpsc::unbounded_channel();
        drop(request_tx);
        let mut stats_tick = tokio::time::interval(Duration::from_secs(3600));
        stats_tick.tick().await;
        report_tx.send(7).unwrap();
        let wake = next_wake(&mut requests, &mut reports, far_off(), &mut stats_tick).await;
        assert_eq!(wake, Wake::Report(7));
    }
}
