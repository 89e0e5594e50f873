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
    /// Relays items from the engine to the callback thread; aborting it hangs up on that
    /// thread, which then ends.
    relay: JoinHandle<()>,
    /// The callback thread checks it before each callback, because items already handed
    /// over would otherwise still be delivered after `cancel` returned.
    stopped: Arc<AtomicBool>,
    /// Set by the callback thread as it ends.
    finished: Arc<AtomicBool>,
}

impl TaskHandle {
    /// Hands every item of `items` to `deliver` (which calls the shell), one at a time and
    /// in order, until the channel closes or the handle is cancelled or dropped. Both the
    /// session listener and the camera controller are fed this way.
    ///
    /// The calls come from a thread of the subscription's own, not from the engine's two
    /// runtime workers: a shell callback that blocks (a lock, a synchronous hop to the main
    /// thread) then holds up only its own subscription, never the engine (issue 17: four
    /// blocked listeners used to stop every session of the process).
    pub(crate) fn forward<T: Send + 'static>(
        runtime: &Handle,
        mut items: UnboundedReceiver<T>,
        callback: &'static str,
        deliver: impl Fn(T) + Send + 'static,
    ) -> Arc<TaskHandle> {
        let stopped = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        let (handover, calls) = std::sync::mpsc::channel::<T>();
        let relay = runtime.spawn(async move {
            while let Some(item) = items.recv().await {
                if handover.send(item).is_err() {
                    return;
                }
            }
        });
        let (flag, done) = (stopped.clone(), finished.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("lens-{}", callback.replace(' ', "-")))
            .spawn(move || {
                for item in calls {
                    if flag.load(Ordering::Acquire) {
                        break;
                    }
                    // UniFFI turns an exception thrown by the shell's callback into a panic
                    // on this side. A bug in one callback must cost that item, not the
                    // subscription.
                    if catch_unwind(AssertUnwindSafe(|| deliver(item))).is_err() {
                        warn!("the {callback} threw; that call is lost");
                    }
                }
                done.store(true, Ordering::Release);
            });
        if let Err(error) = spawned {
            // Out of threads: no callbacks rather than a crash; the shell sees a finished
            // handle.
            warn!(%error, "no thread for the {callback}; it gets no calls");
            relay.abort();
            finished.store(true, Ordering::Release);
        }
        Arc::new(TaskHandle {
            relay,
            stopped,
            finished,
        })
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Once this returns no new callback starts; one already running finishes.
    pub fn cancel(&self) {
        self.stopped.store(true, Ordering::Release);
        self.relay.abort();
    }

    /// True once the subscription stopped: cancelled (and any callback running then has
    /// returned), or its session is gone.
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}
