//! A running subscription, handed to the shell (matrix-rust-sdk's `TaskHandle`): the shell
//! keeps it for as long as it wants events, and cancelling or dropping it stops them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinHandle;

/// Stops its task when cancelled or dropped. In Kotlin that includes `close()` and the
/// garbage collector: keep a reference for as long as events should come.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: JoinHandle<()>,
    stopped: Arc<AtomicBool>,
}

impl TaskHandle {
    /// `stopped` is the task's own flag: it checks it before each callback, because an abort
    /// only takes effect at the task's next suspension and events already queued would
    /// otherwise still be delivered after `cancel` returned.
    pub(crate) fn new(task: JoinHandle<()>, stopped: Arc<AtomicBool>) -> TaskHandle {
        TaskHandle { task, stopped }
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Once this returns no new callback starts; one already running finishes.
    pub fn cancel(&self) {
        self.stopped.store(true, Ordering::Release);
        self.task.abort();
    }

    /// True once the task stopped: cancelled, or its session is gone.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}
