// The seed flows through the bindings: a customer joins by PIN or by link, accepts the
// licence agreement, and the technician starts and ends the session.

import uniffi.lens_ffi.EndCause
import uniffi.lens_core.EndReason
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState

class SessionFlowTests(private val server: Server) {
    fun all(): List<Pair<String, () -> Unit>> = listOf(
        "PIN: the customer joins and accepts the EULA; the technician starts, gets an H.264 offer, and ends" to ::joinByPin,
        "link: a returning customer is not asked for the same EULA again, and leaves" to ::joinByLinkWithRememberedEula,
    )

    private fun console() = TechnicianConsole.signIn(server.url, server.email, server.password)

    private fun customer(storage: MemoryEulaStorage) =
        LensSession(server.url, SessionOptions(bindIp = "127.0.0.1"), storage)

    private fun joinByPin(): Unit = console().use { console ->
        console.connect()
        val created = console.createSession("Kim Customer")
        val storage = MemoryEulaStorage()
        customer(storage).use { session ->
            val listener = RecordingListener()
            session.subscribe(listener).use {
                listener.expect<SessionState.Idle>()
                // The app's audio callback pulls 10 ms at a time; silence before any voice.
                val pulled = session.pullPlaybackAudio()
                checkEquals(480, pulled.size, "samples pulled for 10 ms")
                check(pulled.all { it == 0.toShort() }) { "pulled audio before any was received is not silence" }
                session.setMicrophoneMuted(true)
                checkEquals(true, session.microphoneMuted(), "muted before the session starts")
                session.setMicrophoneMuted(false)
                // The app asks for the camera and microphone first, then the customer types
                // the PIN as the technician read it out.
                session.answerPermissions(true, true)
                session.join(created.pin.substring(0, 3) + " " + created.pin.substring(3))
                listener.expect<SessionState.ResolvingPin>()
                val needsEula = listener.expect<SessionState.NeedsEula>()
                checkEquals(server.technicianName, needsEula.technicianName, "technician's name")
                check(needsEula.eula.version.isNotEmpty() && needsEula.eula.text.isNotEmpty()) { "empty EULA: ${needsEula.eula}" }
                checkEquals<SessionState>(needsEula, session.state(), "state()")
                checkEquals(null, session.mediaStats(), "media stats before the technician started")

                session.acceptEula()
                val waiting = listener.expect<SessionState.WaitingForTechnician>()
                checkEquals(server.technicianName, waiting.technicianName, "technician's name")
                check(storage.stored?.contains(needsEula.eula.version) == true) {
                    "the acceptance did not reach EulaStorage.save: ${storage.stored}"
                }

                console.awaitStatus(created.sessionId, "waiting")
                console.start(created.sessionId)
                listener.expect<SessionState.Connecting>()
                val sdp = console.awaitOffer(created.sessionId)
                check(Regex("^m=video ", RegexOption.MULTILINE).containsMatchIn(sdp)) { "no video m-line in the offer:\n$sdp" }
                check(Regex("^a=rtpmap:\\d+ H264/90000", RegexOption.MULTILINE).containsMatchIn(sdp)) { "no H.264 in the offer:\n$sdp" }

                console.end(created.sessionId)
                val ended = listener.expect<SessionState.Ended>()
                checkEquals<EndCause>(EndCause.Session(EndReason.TECHNICIAN_ENDED), ended.reason, "why it ended")
                checkEquals("The technician ended the session", ended.description, "the customer's sentence")
                eventually("media stats after the media stopped") { session.mediaStats() != null }
            }
        }
    }

    private fun joinByLinkWithRememberedEula(): Unit = console().use { console ->
        val first = console.createSession("Lee Customer")
        val second = console.createSession("Lee Customer, later")
        // One app install: the storage outlives each session.
        val storage = MemoryEulaStorage()

        customer(storage).use { session ->
            val listener = RecordingListener()
            session.subscribe(listener).use {
                listener.expect<SessionState.Idle>()
                session.answerPermissions(true, true)
                session.join(first.pin)
                listener.expect<SessionState.ResolvingPin>()
                listener.expect<SessionState.NeedsEula>()
                session.acceptEula()
                listener.expect<SessionState.WaitingForTechnician>()
                session.leave()
                val ended = listener.expect<SessionState.Ended>()
                checkEquals<EndCause>(EndCause.Session(EndReason.CUSTOMER_LEFT), ended.reason, "why it ended")
                checkEquals("The customer left the session", ended.description, "the customer's sentence")
            }
        }
        checkEquals(1, storage.saves, "saves after the first visit")

        // The link in the technician's message opens the app before it asked for anything.
        customer(storage).use { session ->
            val listener = RecordingListener()
            session.subscribe(listener).use {
                listener.expect<SessionState.Idle>()
                session.join(second.mobileLink)
                listener.expect<SessionState.ResolvingPin>()
                listener.expect<SessionState.NeedsPermissions>()
                session.answerPermissions(true, false)
                // Same EULA version as last time, read back through EulaStorage.load.
                listener.expect<SessionState.WaitingForTechnician>()
                session.leave()
                listener.expect<SessionState.Ended>()
            }
        }
        checkEquals(1, storage.saves, "saves after the second visit")
    }
}
