// A customer app that feeds its own camera and microphone, as the Android app will: it
// creates the session with pushed video and audio, joins by PIN, accepts the EULA, and from
// then on pushes camera frames (direct ByteBuffers with padded rows, like CameraX's planes)
// through `pushVideoFrame` and 16-bit PCM through `pushAudio`. Driven by
// tests/e2e/pushed-ffi.test.mjs, which watches the technician's Chromium.
//
//   java -Djna.library.path=target/release -cp <jar>:<kotlin-stdlib>:<jna> PushingCustomerKt \
//     --server URL --pin PIN [--format nv12] [--rotation 90] [--colour 30,200,200]
//     [--fps 30] [--audio-rate 48000] [--audio-channels 1] [--audio-block-ms 20]
//
// stdout: one JSON object a line (`joined`, `live`, `pushing`, `pushed_stats`, `error`,
// `ended`). stdin: `frames FORMAT ROTATION R G B` switches the camera's picture (a phone
// turned, another camera format), `leave` leaves. The process exits when the session ends.

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.math.PI
import kotlin.math.roundToInt
import kotlin.math.sin
import kotlin.system.exitProcess
import uniffi.lens_engine.AudioSourceConfig
import uniffi.lens_ffi.LensSession
import uniffi.lens_engine.PixelFormat
import uniffi.lens_engine.PushStats
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState
import uniffi.lens_ffi.VideoFrameInfo
import uniffi.lens_engine.VideoSourceConfig

// The same picture as engine/examples/push_frames.rs, so both feed the same checks: 640x360,
// mid grey, a 96x96 marker in the buffer's top-left corner.
private const val WIDTH = 640
private const val HEIGHT = 360
private const val MARKER = 96
/** Row padding in pixels, as camera HALs align rows (the stride handling must honour it). */
private const val PAD = 64
private val GREY = intArrayOf(128, 128, 128)

private fun say(vararg fields: Pair<String, Any?>) {
    val line = fields.joinToString(",", "{", "}") { (k, v) -> "${Json.quote(k)}:${jsonValue(v)}" }
    synchronized(System.out) { println(line) }
}

private fun jsonValue(v: Any?): String = when (v) {
    null -> "null"
    is String -> Json.quote(v)
    is Number, is Boolean -> v.toString()
    is ULong, is UInt -> v.toString()
    is IntArray -> v.joinToString(",", "[", "]")
    is Map<*, *> -> v.entries.joinToString(",", "{", "}") { (k, x) -> "${Json.quote(k.toString())}:${jsonValue(x)}" }
    else -> Json.quote(v.toString())
}

private fun PushStats.json() = mapOf(
    "accepted" to accepted, "dropped_oldest" to droppedOldest,
    "dropped_not_live" to droppedNotLive, "refused" to refused,
)

/** What the camera delivers: format, how far to turn it, and the marker's colour. */
data class CameraMode(val format: PixelFormat, val rotation: Int, val colour: IntArray) {
    companion object {
        fun parse(format: String, rotation: String, colour: List<String>): CameraMode {
            val f = PixelFormat.entries.firstOrNull { it.name.equals(format, ignoreCase = true) }
                ?: throw IllegalArgumentException("unknown format $format (${PixelFormat.entries.joinToString()})")
            val c = colour.map { it.trim().toInt() }.toIntArray()
            require(c.size == 3 && c.all { it in 0..255 }) { "colour R,G,B of 0 to 255: $colour" }
            return CameraMode(f, rotation.toInt(), c)
        }
    }
}

/** BT.601 limited range, what Android's YUV_420_888 and iOS's video-range buffers hold. */
private fun yuv(rgb: IntArray): IntArray {
    val (r, g, b) = Triple(rgb[0].toDouble(), rgb[1].toDouble(), rgb[2].toDouble())
    val y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    val u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    val v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return intArrayOf(y.roundToInt(), u.roundToInt(), v.roundToInt()).map { it.coerceIn(0, 255) }.toIntArray()
}

/**
 * One camera frame in `mode.format`: direct buffers, rows padded to the strides, and each
 * plane's last row without its padding, as Android's ImageReader often hands them out.
 */
class CameraFrame(val mode: CameraMode) {
    val planes: Array<ByteBuffer>
    val strides: IntArray

    init {
        val inMarker = { x: Int, y: Int -> x < MARKER && y < MARKER }
        // `plane(stride, rows, rowBytes) { x, y -> bytes of the sample at x,y }`
        fun plane(stride: Int, rows: Int, rowBytes: Int, bytesPerSample: Int, sample: (Int, Int) -> ByteArray): ByteBuffer {
            val buffer = ByteBuffer.allocateDirect(stride * (rows - 1) + rowBytes)
            for (row in 0 until rows) {
                buffer.position(row * stride)
                for (x in 0 until rowBytes / bytesPerSample) buffer.put(sample(x, row))
            }
            buffer.rewind()
            return buffer
        }
        val empty = ByteBuffer.allocateDirect(0)
        val (fg, bg) = yuv(mode.colour) to yuv(GREY)
        fun bytes(vararg v: Int) = ByteArray(v.size) { v[it].toByte() }
        when (mode.format) {
            PixelFormat.I420 -> {
                val ys = WIDTH + PAD
                val cs = ys / 2
                planes = arrayOf(
                    plane(ys, HEIGHT, WIDTH, 1) { x, y -> bytes((if (inMarker(x, y)) fg else bg)[0]) },
                    plane(cs, HEIGHT / 2, WIDTH / 2, 1) { x, y -> bytes((if (inMarker(2 * x, 2 * y)) fg else bg)[1]) },
                    plane(cs, HEIGHT / 2, WIDTH / 2, 1) { x, y -> bytes((if (inMarker(2 * x, 2 * y)) fg else bg)[2]) },
                )
                strides = intArrayOf(ys, cs, cs)
            }
            PixelFormat.NV12, PixelFormat.NV21 -> {
                val s = WIDTH + PAD
                val (first, second) = if (mode.format == PixelFormat.NV12) 1 to 2 else 2 to 1
                planes = arrayOf(
                    plane(s, HEIGHT, WIDTH, 1) { x, y -> bytes((if (inMarker(x, y)) fg else bg)[0]) },
                    plane(s, HEIGHT / 2, WIDTH, 2) { x, y ->
                        val c = if (inMarker(2 * x, 2 * y)) fg else bg
                        bytes(c[first], c[second])
                    },
                    empty,
                )
                strides = intArrayOf(s, s, 0)
            }
            PixelFormat.BGRA, PixelFormat.RGBA -> {
                val s = (WIDTH + PAD) * 4
                val bgra = mode.format == PixelFormat.BGRA
                planes = arrayOf(
                    plane(s, HEIGHT, WIDTH * 4, 4) { x, y ->
                        val (r, g, b) = (if (inMarker(x, y)) mode.colour else GREY).let { Triple(it[0], it[1], it[2]) }
                        if (bgra) bytes(b, g, r, 255) else bytes(r, g, b, 255)
                    },
                    empty,
                    empty,
                )
                strides = intArrayOf(s, 0, 0)
            }
        }
    }

    fun info(timestampUs: Long) = VideoFrameInfo(
        width = WIDTH.toUInt(), height = HEIGHT.toUInt(), format = mode.format,
        stride0 = strides[0].toUInt(), stride1 = strides[1].toUInt(), stride2 = strides[2].toUInt(),
        rotationDegrees = mode.rotation.toUInt(), timestampUs = timestampUs.toULong(),
    )
}

/** Monotonic capture clock in microseconds (SystemClock.elapsedRealtimeNanos on Android). */
private fun nowUs() = System.nanoTime() / 1_000

/** Runs `body` every `periodNs` on its own daemon thread, on schedule rather than after sleeps. */
private fun every(name: String, periodNs: Long, body: (tick: Long) -> Unit) = Thread({
    val start = System.nanoTime()
    var tick = 0L
    while (true) {
        body(tick)
        tick++
        val due = start + tick * periodNs
        val wait = due - System.nanoTime()
        if (wait > 0) Thread.sleep(wait / 1_000_000, (wait % 1_000_000).toInt())
    }
}, name).apply { isDaemon = true; start() }

/** Reports the first few refusals of each kind; a camera callback would log them the same way. */
private class ErrorLog {
    private val seen = AtomicInteger()
    fun report(where: String, e: Throwable) {
        if (seen.incrementAndGet() <= 20) say("type" to "error", "where" to where, "message" to "${e::class.simpleName}: ${e.message}")
    }
}

fun main(args: Array<String>) {
    try {
        pushingCustomer(args)
    } catch (e: Throwable) {
        say("type" to "error", "where" to "main", "message" to "${e::class.simpleName}: ${e.message}")
        e.printStackTrace()
        exitProcess(1)
    }
}

private fun pushingCustomer(args: Array<String>) {
    val options = args.toList().chunked(2).associate { (k, v) -> k.removePrefix("--") to v }
    fun opt(name: String, default: String? = null) = options[name] ?: default ?: error("--$name is required")
    val server = opt("server")
    val pin = opt("pin")
    val mode = AtomicReference(CameraMode.parse(opt("format", "i420"), opt("rotation", "0"), opt("colour", "220,30,30").split(",")))
    val fps = opt("fps", "30").toInt()
    val audioRate = opt("audio-rate", "48000").toInt()
    val audioChannels = opt("audio-channels", "1").toInt()
    val blockMs = opt("audio-block-ms", "20").toInt()

    val session = LensSession(
        server,
        SessionOptions(
            bindIp = "127.0.0.1",
            video = VideoSourceConfig.Pushed(WIDTH.toUInt(), HEIGHT.toUInt(), fps.toUInt()),
            audio = AudioSourceConfig.Pushed,
        ),
        MemoryEulaStorage(),
    )
    val listener = RecordingListener()
    val subscription = session.subscribe(listener)
    listener.expect<SessionState.Idle>()
    session.answerPermissions(true, true)
    session.join(pin)
    listener.expect<SessionState.ResolvingPin>()
    listener.expect<SessionState.NeedsEula>()
    session.acceptEula()
    val waiting = listener.expect<SessionState.WaitingForTechnician>()
    say("type" to "joined", "technician" to waiting.technicianName)

    // The camera and microphone run from here on, as in an app that shows its preview while
    // it waits: the engine drops what arrives before the technician starts (dropped_not_live).
    val errors = ErrorLog()
    var frame = CameraFrame(mode.get())
    say("type" to "pushing", "format" to frame.mode.format.name, "rotation" to frame.mode.rotation, "colour" to frame.mode.colour)
    every("camera", 1_000_000_000L / fps) {
        val wanted = mode.get()
        if (wanted !== frame.mode) {
            frame = CameraFrame(wanted)
            say("type" to "pushing", "format" to wanted.format.name, "rotation" to wanted.rotation, "colour" to wanted.colour)
        }
        try {
            session.pushVideoFrame(frame.planes[0], frame.planes[1], frame.planes[2], frame.info(nowUs()))
        } catch (e: Exception) { // FrameException, or the glue refusing a heap buffer
            errors.report("push_video_frame", e)
        }
    }

    // A tone that beeps (300 ms on, 200 ms off) rather than a steady one: the voice profile's
    // DTX may take a steady tone for background noise and send comfort noise instead.
    val samplesPerBlock = audioRate * blockMs / 1000
    val pcm = ByteBuffer.allocateDirect(samplesPerBlock * audioChannels * 2).order(ByteOrder.LITTLE_ENDIAN)
    var sampleIndex = 0L
    every("microphone", blockMs * 1_000_000L) {
        pcm.clear()
        for (i in 0 until samplesPerBlock) {
            val t = sampleIndex++.toDouble() / audioRate
            val on = (t % 0.5) < 0.3
            val s = if (on) (0.4 * Short.MAX_VALUE * sin(2 * PI * 660 * t)).toInt().toShort() else 0
            repeat(audioChannels) { pcm.putShort(s) }
        }
        pcm.flip()
        try {
            session.pushAudio(pcm, audioRate.toUInt(), audioChannels.toUInt(), nowUs().toULong())
        } catch (e: Exception) {
            errors.report("push_audio", e)
        }
    }

    every("stats", 1_000_000_000L) {
        val pushed = session.pushedStats()
        val media = session.mediaStats()
        say(
            "type" to "pushed_stats",
            "video" to pushed.video.json(),
            "audio" to pushed.audio.json(),
            "video_frames_sent" to media?.videoFramesSent,
            "audio_frames_sent" to media?.audioFramesSent,
        )
    }

    // The test's commands: another format or orientation, as when the phone turns.
    Thread({
        System.`in`.bufferedReader().lineSequence().forEach { line ->
            val words = line.trim().split(Regex("\\s+"))
            try {
                when (words.firstOrNull()) {
                    "frames" -> {
                        require(words.size == 6) { "frames FORMAT ROTATION R G B" }
                        mode.set(CameraMode.parse(words[1], words[2], words.subList(3, 6)))
                    }
                    "leave" -> session.leave()
                    else -> say("type" to "error", "where" to "stdin", "message" to "unknown command: $line")
                }
            } catch (e: Exception) {
                say("type" to "error", "where" to "stdin", "message" to "${e::class.simpleName}: ${e.message}")
            }
        }
    }, "commands").apply { isDaemon = true; start() }

    // The session's course until it ends; reconnects and link stats are not this test's.
    while (true) {
        val state = listener.nextState(timeoutMs = 24L * 3600 * 1000)
        when (state) {
            is SessionState.Live -> say("type" to "live")
            is SessionState.Ended -> {
                say("type" to "ended", "description" to state.description, "pushed" to session.pushedStats().let {
                    mapOf("video" to it.video.json(), "audio" to it.audio.json())
                })
                subscription.close()
                session.close()
                // UniFFI's cleaner and the HTTP client keep threads alive; the session is over.
                exitProcess(0)
            }
            else -> say("type" to "state", "state" to state::class.simpleName)
        }
    }
}
