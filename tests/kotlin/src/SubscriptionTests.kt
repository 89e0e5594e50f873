// Subscriptions: the current state first, then every change, until the TaskHandle is
// cancelled or closed; a throwing listener loses one event, not its subscription. The
// session joins a server that is not there, which ends it quickly with no network at all.

import uniffi.lens_ffi.EndCause
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionEvent
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState

class SubscriptionTests {
    fun all(): List<Pair<String, () -> Unit>> = listOf(
        "cancelling or closing a TaskHandle stops its events; other subscriptions go on" to ::cancelAndClose,
        "a listener that throws loses that event, not its subscription" to ::throwingListener,
        "a late subscriber gets the current state first" to ::lateSubscriber,
    )

    private fun unreachable() = LensSession(NO_SERVER, SessionOptions(bindIp = "127.0.0.1"), MemoryEulaStorage())

    private fun cancelAndClose(): Unit = unreachable().use { session ->
        val kept = RecordingListener()
        val cancelled = RecordingListener()
        val closed = RecordingListener()
        val keptHandle = session.subscribe(kept)
        val cancelledHandle = session.subscribe(cancelled)
        val closedHandle = session.subscribe(closed)
        for (listener in listOf(kept, cancelled, closed)) listener.expect<SessionState.Idle>()

        cancelledHandle.cancel()
        closedHandle.close()
        session.join("123456")
        kept.expect<SessionState.ResolvingPin>()
        val ended = kept.expect<SessionState.Ended>()
        checkEquals<EndCause>(EndCause.ServerUnreachable, ended.reason, "why it ended")
        checkEquals("The Lens server could not be reached. Check the network.", ended.description, "the customer's sentence")

        eventually("the cancelled task to finish") { cancelledHandle.isFinished() }
        Thread.sleep(200)
        checkEquals(emptyList<SessionEvent>(), cancelled.events.toList(), "events after cancel()")
        checkEquals(emptyList<SessionEvent>(), closed.events.toList(), "events after close()")
        check(!keptHandle.isFinished()) { "the kept subscription stopped" }
        keptHandle.close()
        cancelledHandle.close()
    }

    private fun throwingListener(): Unit = unreachable().use { session ->
        val listener = object : RecordingListener() {
            var thrown = 0

            override fun onEvent(event: SessionEvent) {
                if (thrown == 0) {
                    thrown++
                    throw IllegalStateException("a bug in the app's listener")
                }
                super.onEvent(event)
            }
        }
        // UniFFI reports the exception as a Rust panic, which the forwarding task catches:
        // the "panicked at ... a bug in the app's listener" line on stderr is expected.
        session.subscribe(listener).use {
            session.join("123456")
            // Idle was lost to the exception; the rest still comes.
            listener.expect<SessionState.ResolvingPin>()
            listener.expect<SessionState.Ended>()
            checkEquals(1, listener.thrown, "exceptions thrown")
        }
    }

    private fun lateSubscriber(): Unit = unreachable().use { session ->
        val early = RecordingListener()
        session.subscribe(early).use {
            session.join("123456")
            early.expect<SessionState.Idle>()
            early.expect<SessionState.ResolvingPin>()
            early.expect<SessionState.Ended>()
        }
        val late = RecordingListener()
        session.subscribe(late).use {
            val first = late.events.poll(5, java.util.concurrent.TimeUnit.SECONDS)
            checkEquals<SessionEvent?>(SessionEvent.StateChanged(session.state()), first, "first event")
            check(session.state() is SessionState.Ended) { "state: ${session.state()}" }
        }
    }
}
