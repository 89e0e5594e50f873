// The FFI under abuse (issue 17): every exported method called from 8 threads at once while
// the session joins, ends and is closed; every method after close(); listeners and camera
// controllers that throw or block; a session closed from inside its own callback. An answer
// may be a typed ApiException or FrameException, or after close() the glue's
// IllegalStateException; nothing may crash the JVM or hang: a watchdog fails the test after
// 10 s and prints every thread.

import java.nio.ByteBuffer
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random
import uniffi.lens_core.Effect
import uniffi.lens_core.Intent
import uniffi.lens_core.Screen
import uniffi.lens_engine.PixelFormat
import uniffi.lens_engine.ShellRequest
import uniffi.lens_engine.VideoSourceConfig
import uniffi.lens_ffi.ApiException
import uniffi.lens_ffi.AppListener
import uniffi.lens_ffi.CameraController
import uniffi.lens_ffi.FrameException
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionEvent
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState
import uniffi.lens_ffi.VideoFrameInfo

private const val THREADS = 8
private const val WATCHDOG_SECONDS = 10L

/** Runs `block` on its own thread; fails with every thread's stack if it takes over 10 s. */
fun <T> withinWatchdog(what: String, block: () -> T): T {
    var result: Result<T>? = null
    val worker = Thread({ result = runCatching(block) }, "watched: $what")
    worker.isDaemon = true
    worker.start()
    worker.join(TimeUnit.SECONDS.toMillis(WATCHDOG_SECONDS))
    if (worker.isAlive) {
        val stacks = Thread.getAllStackTraces().entries.joinToString("\n") { (thread, frames) ->
            "${thread.name} (${thread.state}):\n" + frames.take(12).joinToString("\n") { "    at $it" }
        }
        throw AssertionError("$what did not finish within $WATCHDOG_SECONDS s (deadlock?)\n$stacks")
    }
    return result!!.getOrThrow()
}

/** A small grey I420 frame; `broken` gives planes too short for the layout. */
private fun i420(broken: Boolean): Pair<Array<ByteBuffer>, VideoFrameInfo> {
    val (w, h) = 64 to 48
    val y = ByteBuffer.allocateDirect(if (broken) 10 else w * h)
    val u = ByteBuffer.allocateDirect(w * h / 4)
    val v = ByteBuffer.allocateDirect(w * h / 4)
    val info = VideoFrameInfo(
        width = w.toUInt(), height = h.toUInt(), format = PixelFormat.I420,
        stride0 = w.toUInt(), stride1 = (w / 2).toUInt(), stride2 = (w / 2).toUInt(),
        rotationDegrees = 0u, timestampUs = (System.nanoTime() / 1000).toULong(),
    )
    return arrayOf(y, u, v) to info
}

private class QuietListener : uniffi.lens_ffi.SessionListener {
    override fun onEvent(event: SessionEvent) {}
}

private class QuietApp : AppListener {
    override fun onScreen(screen: Screen) {}
    override fun onEffect(effect: Effect) {}
}

private class QuietCamera : CameraController {
    override fun onRequest(request: ShellRequest) {}
}

class AbuseTests {
    fun all(): List<Pair<String, () -> Unit>> = listOf(
        "every method from 8 threads at once, closed mid-way: typed answers, no deadlock" to ::hammer,
        "after close() every method throws IllegalStateException" to ::afterClose,
        "listeners that block stall neither the session nor other listeners" to ::blockingListeners,
        "a session closed from inside its own callback" to ::closedFromCallback,
        "a camera controller that throws or blocks" to ::badCameraController,
    )

    // A server that is not there (ErrorTests.NO_SERVER): a join ends quickly, with no PIN
    // guessing that the real server's rate limit would count against the other tests.
    private fun pushedSession() = LensSession(
        NO_SERVER,
        SessionOptions(bindIp = "127.0.0.1", video = VideoSourceConfig.Pushed(640u, 480u, 30u)),
        MemoryEulaStorage(),
    )

    /** Every exported method of LensSession (and the handles it returns), by name. */
    private val calls: List<Pair<String, (LensSession) -> Unit>> = listOf(
        "join(PIN)" to { s -> s.join("123456") },
        "join(garbage)" to { s -> s.join("not a pin \u0000") },
        "answerPermissions" to { s -> s.answerPermissions(Random.nextBoolean(), Random.nextBoolean()) },
        "acceptEula" to { s -> s.acceptEula() },
        "declineEula" to { s -> s.declineEula() },
        "leave" to { s -> s.leave() },
        "state" to { s -> s.state() },
        "networkChanged" to { s -> s.networkChanged() },
        "mediaStats" to { s -> s.mediaStats() },
        "setMicrophoneMuted" to { s -> s.setMicrophoneMuted(Random.nextBoolean()) },
        "microphoneMuted" to { s -> s.microphoneMuted() },
        "pullPlaybackAudio" to { s -> checkEquals(480, s.pullPlaybackAudio().size, "playback samples") },
        "subscribe" to { s -> s.subscribe(QuietListener()).close() },
        "act(Typed)" to { s -> s.act(Intent.Typed("12")) },
        "act(Join)" to { s -> s.act(Intent.Join) },
        "act(Leave)" to { s -> s.act(Intent.Leave) },
        "screen" to { s -> s.screen() },
        "subscribeApp" to { s -> s.subscribeApp(QuietApp()).close() },
        "pushVideoFrame" to { s ->
            val (planes, info) = i420(broken = false)
            s.pushVideoFrame(planes[0], planes[1], planes[2], info)
        },
        "pushVideoFrame(short planes)" to { s ->
            val (planes, info) = i420(broken = true)
            s.pushVideoFrame(planes[0], planes[1], planes[2], info)
        },
        "pushAudio" to { s -> s.pushAudio(ByteBuffer.allocateDirect(960), 48_000u, 1u, (System.nanoTime() / 1000).toULong()) },
        "pushAudio(no rate)" to { s -> s.pushAudio(ByteBuffer.allocateDirect(7), 0u, 0u, 0u) },
        "pushH264(noise)" to { s ->
            s.pushH264(ByteBuffer.allocateDirect(64).apply { put(Random.nextBytes(64)); rewind() }, true, 0u, 0u)
        },
        "pushedStats" to { s -> s.pushedStats() },
        "pauseVideo" to { s -> s.pauseVideo() },
        "resumeVideo" to { s -> s.resumeVideo() },
        "videoPaused" to { s -> s.videoPaused() },
        "switchCamera" to { s -> s.switchCamera() },
        "setTorch" to { s -> s.setTorch(Random.nextBoolean()) },
        "setCameraController" to { s -> s.setCameraController(QuietCamera()).close() },
    )

    private fun hammer() {
        val session = pushedSession()
        val subscription = session.subscribe(QuietListener())
        val answered = AtomicInteger()
        val typed = AtomicInteger()
        val destroyed = AtomicInteger()
        val failures = ConcurrentLinkedQueue<String>()
        val start = CountDownLatch(1)
        withinWatchdog("8 threads calling every method") {
            val threads = (1..THREADS).map { n ->
                Thread({
                    start.await()
                    val until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500)
                    while (System.nanoTime() < until) {
                        val (name, call) = calls.random()
                        try {
                            call(session)
                            answered.incrementAndGet()
                        } catch (e: ApiException) {
                            typed.incrementAndGet()
                        } catch (e: FrameException) {
                            typed.incrementAndGet()
                        } catch (e: IllegalStateException) {
                            // The glue's answer once close() has run; anything else is a bug.
                            if (e.message?.contains("already been destroyed") == true) destroyed.incrementAndGet()
                            else failures.add("$name: $e")
                        } catch (e: Throwable) {
                            failures.add("$name: $e")
                        }
                    }
                }, "abuse-$n").apply { start() }
            }
            start.countDown()
            Thread.sleep(700)
            subscription.close()
            session.close()
            threads.forEach { it.join() }
        }
        check(failures.isEmpty()) { "untyped failures: ${failures.take(10)}" }
        check(answered.get() > 100) { "only ${answered.get()} calls were answered" }
        // UniFFI frees the object once no call is in flight; calls racing close() may still
        // be answered. Once the threads are done it is gone.
        expectThrows<IllegalStateException> { session.state() }
        println("    ${answered.get()} answered, ${typed.get()} typed errors, ${destroyed.get()} after close()")
    }

    private fun afterClose() {
        val session = pushedSession()
        session.close()
        session.close() // a second close() is harmless
        for ((name, call) in calls) {
            val e = expectThrows<IllegalStateException> { call(session) }
            check(e.message!!.contains("already been destroyed")) { "$name: $e" }
        }
    }

    private fun blockingListeners() {
        val release = CountDownLatch(1)
        val blocked = AtomicInteger()
        val blocker = object : uniffi.lens_ffi.SessionListener {
            override fun onEvent(event: SessionEvent) {
                blocked.incrementAndGet()
                release.await()
            }
        }
        try {
            withinWatchdog("a session with blocked listeners") {
                pushedSession().use { session ->
                    // More blocked listeners than the engine has worker threads.
                    val handles = (1..4).map { session.subscribe(blocker) }
                    val healthy = RecordingListener()
                    session.subscribe(healthy).use {
                        healthy.expect<SessionState.Idle>(5_000)
                        session.join("123456")
                        healthy.expect<SessionState.ResolvingPin>(5_000)
                        // The server cannot be reached, the session ends: the engine went on.
                        healthy.expect<SessionState.Ended>(5_000)
                    }
                    eventually("every blocked listener to have been called") { blocked.get() == 4 }
                    handles.forEach { it.close() }
                }
            }
        } finally {
            release.countDown()
        }
    }

    private fun closedFromCallback() {
        val closedInside = CountDownLatch(1)
        var session: LensSession? = null
        val closer = object : uniffi.lens_ffi.SessionListener {
            override fun onEvent(event: SessionEvent) {
                val state = (event as? SessionEvent.StateChanged)?.state
                if (state is SessionState.Ended) {
                    session!!.close()
                    closedInside.countDown()
                }
            }
        }
        withinWatchdog("closing a session from its own listener") {
            session = pushedSession()
            val handle = session!!.subscribe(closer)
            session!!.join("123456")
            check(closedInside.await(WATCHDOG_SECONDS - 2, TimeUnit.SECONDS)) { "the listener never saw the end" }
            expectThrows<IllegalStateException> { session!!.state() }
            handle.close()
        }
        // The engine's threads are gone, or going: a new session works as before.
        withinWatchdog("a new session after that") {
            pushedSession().use { fresh ->
                val listener = RecordingListener()
                fresh.subscribe(listener).use { listener.expect<SessionState.Idle>(5_000) }
            }
        }
    }

    private fun badCameraController() {
        val release = CountDownLatch(1)
        val calls = AtomicInteger()
        val throwing = object : CameraController {
            override fun onRequest(request: ShellRequest) {
                calls.incrementAndGet()
                throw IllegalStateException("a bug in the app's camera code")
            }
        }
        val blocking = object : CameraController {
            override fun onRequest(request: ShellRequest) {
                calls.incrementAndGet()
                release.await()
            }
        }
        try {
            withinWatchdog("camera controllers that throw or block") {
                pushedSession().use { session ->
                    session.setCameraController(throwing).use {
                        session.switchCamera()
                        session.setTorch(true)
                        eventually("both requests to reach the throwing controller") { calls.get() == 2 }
                    }
                    session.setCameraController(blocking).use {
                        repeat(3) { session.switchCamera() }
                        // The session still answers while the controller is stuck.
                        checkEquals(480, session.pullPlaybackAudio().size, "playback samples")
                        check(session.state() is SessionState.Idle) { "state: ${session.state()}" }
                    }
                }
            }
        } finally {
            release.countDown()
        }
    }
}
