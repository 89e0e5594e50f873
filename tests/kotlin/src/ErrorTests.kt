// What goes wrong, as the app sees it: an Ended state with the customer's sentence, or one
// of ApiException's variants.

import uniffi.lens_ffi.ApiException
import uniffi.lens_ffi.EndCause
import uniffi.lens_core.JoinRefusal
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState
import uniffi.lens_ffi.StorageException
import uniffi.lens_ffi.parseJoinInput

/** Nothing listens there: sessions that never reach the network need no server. */
const val NO_SERVER = "http://127.0.0.1:9"

class ErrorTests(private val server: Server) {
    fun all(): List<Pair<String, () -> Unit>> = listOf(
        "a wrong PIN ends the session with the sentence the customer reads" to ::wrongPin,
        "what is neither a PIN nor a trusted link throws InvalidPin with the customer's sentence" to ::invalidInput,
        "an action that does not fit the state throws NotNow and changes nothing" to ::notNow,
        "bad settings throw InvalidConfiguration" to ::invalidConfiguration,
        "a storage that throws counts as not accepted, and the session goes on" to ::failingStorage,
    )

    private fun wrongPin() {
        LensSession(server.url, SessionOptions(bindIp = "127.0.0.1"), MemoryEulaStorage()).use { session ->
            val listener = RecordingListener()
            session.subscribe(listener).use {
                listener.expect<SessionState.Idle>()
                session.join("999 999")
                listener.expect<SessionState.ResolvingPin>()
                val ended = listener.expect<SessionState.Ended>()
                checkEquals<EndCause>(EndCause.JoinRefused(JoinRefusal.PIN_NOT_FOUND), ended.reason, "why it ended")
                check(ended.description.startsWith("This PIN is not valid.")) { "the customer reads: ${ended.description}" }
            }
        }
    }

    private fun invalidInput() {
        LensSession(NO_SERVER, SessionOptions(), MemoryEulaStorage()).use { session ->
            val foreign = expectThrows<ApiException.InvalidPin> { session.join("https://evil.example/123456") }
            checkEquals("This link is for evil.example, which is not a support service this app knows.", foreign.message, "message")
            val short = expectThrows<ApiException.InvalidPin> { session.join("12345") }
            checkEquals("The code has six digits; this one has 5.", short.message, "message")
            checkEquals<SessionState>(SessionState.Idle, session.state(), "state after refused input")
        }
        checkEquals("123456", parseJoinInput("123-456", emptyList()), "typed code")
        checkEquals("654321", parseJoinInput("https://support.example/?code=654321", listOf("support.example")), "link")
        // Without a session there is no development server whose plain-http links count.
        expectThrows<ApiException.InvalidPin> { parseJoinInput("http://127.0.0.1:8080/123456", listOf("127.0.0.1")) }
    }

    private fun notNow() {
        LensSession(NO_SERVER, SessionOptions(), MemoryEulaStorage()).use { session ->
            val e = expectThrows<ApiException.NotNow> { session.acceptEula() }
            check(e.message!!.contains("idle")) { "message: ${e.message}" }
            expectThrows<ApiException.NotNow> { session.declineEula() }
            expectThrows<ApiException.NotNow> { session.leave() }
            checkEquals<SessionState>(SessionState.Idle, session.state(), "state")
        }
    }

    private fun invalidConfiguration() {
        val storage = MemoryEulaStorage()
        expectThrows<ApiException.InvalidConfiguration> { LensSession("not a url", SessionOptions(), storage) }
        expectThrows<ApiException.InvalidConfiguration> { LensSession(NO_SERVER, SessionOptions(bindIp = "loopback"), storage) }
        expectThrows<ApiException.InvalidConfiguration> {
            LensSession(NO_SERVER, SessionOptions(extraHosts = listOf("https://support.example/")), storage)
        }
        expectThrows<ApiException.InvalidConfiguration> { parseJoinInput("123456", listOf("support.example:443")) }
    }

    private fun failingStorage(): Unit = TechnicianConsole.signIn(server.url, server.email, server.password).use { console ->
        val created = console.createSession("Max Customer")
        var loads = 0
        val broken = object : MemoryEulaStorage() {
            override fun load(): String? {
                loads++
                throw IllegalStateException("preferences unreadable")
            }

            override fun save(data: String) {
                throw StorageException.Failed("disk full")
            }
        }
        LensSession(server.url, SessionOptions(bindIp = "127.0.0.1"), broken).use { session ->
            checkEquals(1, loads, "loads when the session was created")
            val listener = RecordingListener()
            session.subscribe(listener).use {
                listener.expect<SessionState.Idle>()
                session.answerPermissions(true, true)
                session.join(created.pin)
                listener.expect<SessionState.ResolvingPin>()
                listener.expect<SessionState.NeedsEula>()
                session.acceptEula()
                listener.expect<SessionState.WaitingForTechnician>()
                session.leave()
                listener.expect<SessionState.Ended>()
            }
        }
    }
}
