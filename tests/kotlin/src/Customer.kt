// The customer app's half of the glue, as a shell would write it: an EULA storage and a
// listener that records what the session reports.

import java.util.concurrent.LinkedBlockingQueue
import uniffi.lens_ffi.EulaStorage
import uniffi.lens_ffi.SessionEvent
import uniffi.lens_ffi.SessionListener
import uniffi.lens_ffi.SessionState

/** SharedPreferences stand-in. */
open class MemoryEulaStorage(initial: String? = null) : EulaStorage {
    @Volatile var stored: String? = initial
        private set
    @Volatile var saves = 0
        private set

    override fun load(): String? = stored

    override fun save(data: String) {
        stored = data
        saves++
    }
}

/** Every event, in order, for the test to wait on. */
open class RecordingListener : SessionListener {
    val events = LinkedBlockingQueue<SessionEvent>()

    override fun onEvent(event: SessionEvent) {
        events.add(event)
    }

    /** The next state change, skipping reconnect notices. */
    fun nextState(timeoutMs: Long = 20_000): SessionState =
        events.pollFor(timeoutMs, "no state change") { (it as? SessionEvent.StateChanged)?.state }

    /** The next state, which must be a `T`. */
    inline fun <reified T : SessionState> expect(timeoutMs: Long = 20_000): T {
        val state = nextState(timeoutMs)
        check(state is T) { "expected ${T::class.simpleName}, got $state" }
        return state
    }
}
