// Many sessions in one app process (issue 17): an app is opened for one call after another
// and must not grow. Each session joins by PIN, goes live with a technician (a real
// webrtc-rs answerer, tests/kotlin/src/MediaAnswerer.kt) and is ended by the technician;
// after each the process's resident memory, open file descriptors and threads are sampled
// (after a GC, with a heap that is fully committed from the start, so the JVM's own growth
// does not count). tests/kotlin/many-sessions.sh runs it against a real server:
//
//     tests/netns.sh tests/kotlin/many-sessions.sh 200
//
// The verdict: descriptors and threads flat from session 10 to the last (a few either way:
// the JDK's HTTP client keeps a small pool of its own); the figure, RSS growth from
// session 10 to the last, at most 5 MB once the JVM's own growth is taken out (its code cache
// and metaspace still grow while the JIT warms up: Native Memory Tracking says by how much,
// see ProcessMemory.kt); and the whole RSS growth over the second half at most 5 MB, which a
// leak of 50 KB a session over 100 sessions would break. The malloc figures show the rest:
// memory in use outside the JVM stays flat; the growth was glibc keeping freed memory, which
// the engine now trims after each call (engine/src/media/release_memory.rs).

import java.io.File
import kotlin.system.exitProcess
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState

private const val RSS_GROWTH_LIMIT_KB = 5 * 1024
private const val FLAT = 4

data class Sample(val session: Int, val rssKb: Long, val fds: Int, val threads: Int, val memory: Memory)

private fun status(field: String): Long =
    File("/proc/self/status").readLines().first { it.startsWith("$field:") }
        .substringAfter(':').trim().substringBefore(' ').toLong()

private fun sample(session: Int): Sample {
    repeat(2) { System.gc() }
    Thread.sleep(100)
    return Sample(
        session, status("VmRSS"), File("/proc/self/fd").list()!!.size, status("Threads").toInt(), ProcessMemory.read(),
    )
}

/** One call: join, licence (the first time), live with the technician, ended by them. */
private fun oneSession(server: Server, console: TechnicianConsole, storage: MemoryEulaStorage, n: Int) {
    val created = console.createSession("Customer $n")
    LensSession(server.url, SessionOptions(bindIp = "127.0.0.1"), storage).use { session ->
        val listener = RecordingListener()
        session.subscribe(listener).use {
            listener.expect<SessionState.Idle>()
            session.answerPermissions(true, true)
            session.join(created.pin)
            listener.expect<SessionState.ResolvingPin>()
            when (val next = listener.nextState()) {
                is SessionState.NeedsEula -> {
                    session.acceptEula()
                    listener.expect<SessionState.WaitingForTechnician>()
                }
                is SessionState.WaitingForTechnician -> {} // the licence was accepted before
                else -> error("session $n: expected the licence or waiting, got $next")
            }
            console.awaitStatus(created.sessionId, "waiting")
            console.start(created.sessionId)
            listener.expect<SessionState.Connecting>()
            val (answerer, answer) = MediaAnswerer.answering(console.awaitOffer(created.sessionId))
            answerer.use {
                console.answer(created.sessionId, answer)
                listener.expect<SessionState.Live>()
                answerer.awaitConnected()
                console.end(created.sessionId)
                listener.expect<SessionState.Ended>()
            }
        }
    }
}

fun main(args: Array<String>) {
    val count = args.firstOrNull()?.toInt() ?: 200
    check(count >= 10) { "at least 10 sessions: the verdict starts from the tenth" }
    val server = Server(
        url = System.getenv("LENS_SERVER_URL") ?: error("LENS_SERVER_URL is not set (run tests/kotlin/many-sessions.sh)"),
        email = System.getenv("LENS_TECHNICIAN_EMAIL") ?: error("LENS_TECHNICIAN_EMAIL is not set"),
        password = System.getenv("LENS_TECHNICIAN_PASSWORD") ?: error("LENS_TECHNICIAN_PASSWORD is not set"),
        technicianName = System.getenv("LENS_TECHNICIAN_NAME") ?: error("LENS_TECHNICIAN_NAME is not set"),
    )
    val samples = mutableListOf(sample(0))
    val started = System.nanoTime()
    // One app install: the licence is asked once, then remembered.
    val storage = MemoryEulaStorage()
    TechnicianConsole.signIn(server.url, server.email, server.password).use { console ->
        console.connect()
        for (n in 1..count) {
            try {
                oneSession(server, console, storage, n)
            } catch (e: Throwable) {
                println("many sessions: session $n failed: $e")
                e.printStackTrace(System.out)
                println("kotlin: 0 passed, 1 failed")
                exitProcess(1)
            }
            val s = sample(n)
            samples += s
            if (n == 1 || n == 10 || n % 25 == 0 || n == count) {
                println(
                    "after %4d sessions: RSS %7.1f MB (JVM committed %6.1f MB, native malloc in use %5.1f MB, free in malloc %5.1f MB), %4d descriptors, %3d threads".format(
                        n, s.rssKb / 1024.0, s.memory.jvmCommittedKb / 1024.0, s.memory.nativeInUseKb / 1024.0,
                        s.memory.mallocFreeKb / 1024.0, s.fds, s.threads,
                    ),
                )
            }
        }
    }
    val seconds = (System.nanoTime() - started) / 1e9
    val tenth = samples[10]
    val half = samples[count / 2]
    val last = samples.last()
    fun mb(kb: Long) = "%+.1f MB".format(kb / 1024.0)
    println("many sessions: $count sessions in %.0f s (%.2f s each)".format(seconds, seconds / count))
    println(
        "many sessions: RSS from session 10 to $count ${mb(last.rssKb - tenth.rssKb)}, " +
            "from ${count / 2} to $count ${mb(last.rssKb - half.rssKb)} (at most ${mb(RSS_GROWTH_LIMIT_KB.toLong())}); " +
            "descriptors %+d, threads %+d".format(last.fds - tenth.fds, last.threads - tenth.threads),
    )
    println(
        "many sessions: of the growth from session 10, the JVM committed ${mb(last.memory.jvmCommittedKb - tenth.memory.jvmCommittedKb)}, " +
            "native malloc in use ${mb(last.memory.nativeInUseKb - tenth.memory.nativeInUseKb)}, " +
            "free in malloc's lists ${mb(last.memory.mallocFreeKb - tenth.memory.mallocFreeKb)} (trimmed pages are not resident)",
    )
    val libraryGrowthKb = (last.rssKb - tenth.rssKb) - (last.memory.jvmCommittedKb - tenth.memory.jvmCommittedKb)
    println("many sessions: RSS growth from session 10 without the JVM's own ${mb(libraryGrowthKb)} (at most ${mb(RSS_GROWTH_LIMIT_KB.toLong())})")
    val ok = last.rssKb - half.rssKb <= RSS_GROWTH_LIMIT_KB && libraryGrowthKb <= RSS_GROWTH_LIMIT_KB &&
        kotlin.math.abs(last.fds - tenth.fds) <= FLAT && kotlin.math.abs(last.threads - tenth.threads) <= FLAT
    println("kotlin: ${if (ok) 1 else 0} passed, ${if (ok) 0 else 1} failed")
    exitProcess(if (ok) 0 else 1)
}
