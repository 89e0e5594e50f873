// The technician's side, as the console in the browser does it: sign in over HTTP, create a
// session (PIN and links), then Start, the camera buttons and End over the console's WebSocket.

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.net.http.WebSocket
import java.time.Duration
import java.util.concurrent.CompletionStage
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

data class CreatedSession(val sessionId: String, val pin: String, val mobileLink: String, val desktopLink: String)

class TechnicianConsole private constructor(private val server: String, private val cookie: String) : AutoCloseable {
    private val messages = LinkedBlockingQueue<Map<String, Any?>>()
    private var socket: WebSocket? = null

    /** Sessions this console started: closing it ends them, as a test that failed midway
     * would otherwise leave one active and the server refuses the next test's Start (one
     * active session per technician). */
    private val started: MutableSet<String> = java.util.concurrent.ConcurrentHashMap.newKeySet()

    companion object {
        private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

        fun signIn(server: String, email: String, password: String): TechnicianConsole {
            val body = """{"email":${Json.quote(email)},"password":${Json.quote(password)}}"""
            val response = http.send(post("$server/api/login", body), HttpResponse.BodyHandlers.ofString())
            check(response.statusCode() == 200) { "log-in refused: ${response.statusCode()} ${response.body()}" }
            val cookie = response.headers().allValues("set-cookie")
                .map { it.substringBefore(';') }
                .firstOrNull { it.startsWith("lens_session=") }
                ?: error("the log-in set no session cookie")
            return TechnicianConsole(server, cookie)
        }

        private fun post(url: String, json: String, cookie: String? = null): HttpRequest {
            val builder = HttpRequest.newBuilder(URI(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
            if (cookie != null) builder.header("Cookie", cookie)
            return builder.build()
        }
    }

    /** "New session": a PIN and the two links to hand to the customer. */
    fun createSession(customerName: String): CreatedSession {
        val response = http.send(
            post("$server/api/sessions", """{"customer_name":${Json.quote(customerName)}}""", cookie),
            HttpResponse.BodyHandlers.ofString(),
        )
        check(response.statusCode() == 200) { "creating a session failed: ${response.statusCode()} ${response.body()}" }
        val created = Json.obj(response.body())
        @Suppress("UNCHECKED_CAST")
        val links = created["links"] as Map<String, Any?>
        return CreatedSession(
            created["session_id"] as String,
            created["pin"] as String,
            links["mobile"] as String,
            links["desktop"] as String,
        )
    }

    /** Opens the console's WebSocket, as the console page does on load. */
    fun connect() {
        val ws = server.replaceFirst("http", "ws") + "/api/technician/ws"
        socket = http.newWebSocketBuilder()
            .header("Cookie", cookie)
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(URI(ws), Collector(messages))
            .get(10, TimeUnit.SECONDS)
    }

    fun start(sessionId: String) {
        started.add(sessionId)
        send("""{"v":1,"type":"start","session_id":${Json.quote(sessionId)}}""")
    }

    /** The technician's answer to the customer's offer (the browser's, or MediaAnswerer's). */
    fun answer(sessionId: String, sdp: String) =
        send("""{"v":1,"type":"answer","session_id":${Json.quote(sessionId)},"sdp":${Json.quote(sdp)}}""")

    fun end(sessionId: String) {
        started.remove(sessionId)
        send("""{"v":1,"type":"end","session_id":${Json.quote(sessionId)}}""")
    }

    /** A camera button of the live panel: "pause_video", "resume_video", "switch_camera",
     * "torch_on" or "torch_off". The app answers with `media_state` or `control_refused`. */
    fun control(sessionId: String, control: String) =
        send("""{"v":1,"type":"camera_control","session_id":${Json.quote(sessionId)},"control":${Json.quote(control)}}""")

    /** The customer's next `media_state` for this session (paused or not, and by whom). */
    fun awaitMediaState(sessionId: String, timeoutMs: Long = 20_000): Map<String, Any?> =
        awaitMessage(timeoutMs, "a media_state for $sessionId") {
            it["type"] == "media_state" && it["session_id"] == sessionId
        }

    /** Why the customer's app did not carry out `control`, in the words the console shows. */
    fun awaitControlRefused(sessionId: String, control: String, timeoutMs: Long = 20_000): String {
        val refused = awaitMessage(timeoutMs, "a refusal of $control for $sessionId") {
            it["type"] == "control_refused" && it["session_id"] == sessionId && it["control"] == control
        }
        return refused["message"] as String
    }

    /** Waits until the session list shows this session with `status` (and `endReason`, when given). */
    fun awaitStatus(sessionId: String, status: String, timeoutMs: Long = 20_000, endReason: String? = null) {
        awaitMessage(timeoutMs, "session $sessionId to become $status${endReason?.let { " ($it)" } ?: ""}") { message ->
            @Suppress("UNCHECKED_CAST")
            val sessions = message["sessions"] as? List<Map<String, Any?>> ?: return@awaitMessage false
            message["type"] == "sessions" && sessions.any {
                it["id"] == sessionId && it["status"] == status && (endReason == null || it["end_reason"] == endReason)
            }
        }
    }

    /** The customer's SDP offer for this session. */
    fun awaitOffer(sessionId: String, timeoutMs: Long = 20_000): String {
        val offer = awaitMessage(timeoutMs, "an offer for $sessionId") {
            it["type"] == "offer" && it["session_id"] == sessionId
        }
        return offer["sdp"] as String
    }

    private fun send(json: String) {
        val ws = checkNotNull(socket) { "connect() first" }
        ws.sendText(json, true).get(10, TimeUnit.SECONDS)
    }

    /** The next message matching `wanted`; the ones before it are passed over. */
    private fun awaitMessage(timeoutMs: Long, what: String, wanted: (Map<String, Any?>) -> Boolean): Map<String, Any?> =
        messages.pollFor(timeoutMs, "the console did not see $what") { message ->
            check(message["type"] != "refused") { "the server refused a console request: ${message["message"]}" }
            message.takeIf(wanted)
        }

    override fun close() {
        // A session that already ended another way is refused on a socket about to close:
        // harmless.
        if (socket != null) started.toList().forEach { end(it) }
        socket?.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
        socket = null
    }

    /** Reassembles text frames into whole JSON messages. */
    private class Collector(val messages: LinkedBlockingQueue<Map<String, Any?>>) : WebSocket.Listener {
        private val partial = StringBuilder()

        override fun onText(webSocket: WebSocket, data: CharSequence, last: Boolean): CompletionStage<*>? {
            partial.append(data)
            if (last) {
                messages.add(Json.obj(partial.toString()))
                partial.setLength(0)
            }
            webSocket.request(1)
            return null
        }
    }
}
