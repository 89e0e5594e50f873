//! A running subscription, handed to the shell (matrix-rust-sdk's `TaskHandle`): the shell
//! keeps it for as long as it wants callbacks, and cancelling or dropping it stops them.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;
use tracing::warn;

/// Stops its task when cancelled or dropped. In Kotlin that includes `close()` and the
/// garbage collector: keep a reference for as long as events should come.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: JoinHandle<()>,
    /// The task checks it before each callback, because an abort only takes effect at the
    /// task's next suspension and items already queued would otherwise still be delivered
    /// after `cancel` returned.
    stopped: Arc<AtomicBool>,
}

impl TaskHandle {
    /// Hands every item of `items` to `deliver` (which calls the shell) from a task on
    /// `runtime`, one at a time and in order, until the channel closes or the handle is
    /// cancelled or dropped. Both the session listener and the camera controller are fed
    /// this way.
    pub(crate) fn forward<T: Send + 'static>(
        runtime: &Handle,
        mut items: UnboundedReceiver<T>,
        callback: &'static str,
        deliver: impl Fn(T) + Send + 'static,
    ) -> Arc<TaskHandle> {
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let task = runtime.spawn(async move {
            while let Some(item) = items.recv().await {
                if flag.load(Ordering::Acquire) {
                    return;
                }
                // UniFFI turns an exception thrown by the shell's callback into a panic on
                // this side. A bug in one callback must cost that item, not the
                // subscription or a runtime thread.
                if catch_unwind(AssertUnwindSafe(|| deliver(item))).is_err() {
                    warn!("the {callback} threw; that call is lost");
                }
            }
        });
        Arc::new(TaskHandle { task, stopped })
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
