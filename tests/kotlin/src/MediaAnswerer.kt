// The technician's browser, reduced to its media, for tests that need a session to go Live
// without Chromium: target/release/examples/technician_answer (engine/examples) answers the
// customer's offer with a webrtc-rs peer; the test relays offer and answer through the
// technician's console socket, as the console page does.

import java.io.File
import java.util.concurrent.TimeUnit

class MediaAnswerer private constructor(private val process: Process) : AutoCloseable {
    private val output = process.inputStream.bufferedReader()

    companion object {
        private val BINARY = File("target/release/examples/technician_answer")

        /** Starts the answerer on `offer`; `answer` is the SDP to send back for it. */
        fun answering(offer: String): Pair<MediaAnswerer, String> {
            check(BINARY.canExecute()) { "$BINARY is missing: run `make build-examples`" }
            val process = ProcessBuilder(BINARY.path)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start()
            process.outputStream.use { it.write(offer.toByteArray()) }
            val answerer = MediaAnswerer(process)
            val line = answerer.output.readLine() ?: run {
                answerer.close()
                error("technician_answer exited without an answer")
            }
            return answerer to (Json.obj(line)["sdp"] as String)
        }
    }

    /** Waits until the customer's media reached the answerer (ICE and DTLS connected). */
    fun awaitConnected() {
        while (true) {
            val line = output.readLine() ?: error("technician_answer exited before the media connected")
            if (Json.obj(line)["connected"] == true) return
        }
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
