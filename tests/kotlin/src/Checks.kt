// The few assertions the tests need (no test framework on the class path).

import java.util.concurrent.BlockingQueue
import java.util.concurrent.TimeUnit

/**
 * Takes items off the queue until `pick` returns something for one (the items before it are
 * passed over); fails with "$nothing within … ms" when none comes in time.
 */
fun <T, R : Any> BlockingQueue<T>.pollFor(timeoutMs: Long, nothing: String, pick: (T) -> R?): R {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (true) {
        val left = deadline - System.nanoTime()
        val item = poll(maxOf(left, 0), TimeUnit.NANOSECONDS) ?: error("$nothing within $timeoutMs ms")
        pick(item)?.let { return it }
    }
}

inline fun <reified T : Throwable> expectThrows(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}

fun eventually(what: String, timeoutMs: Long = 5_000, condition: () -> Boolean) {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (!condition()) {
        check(System.nanoTime() < deadline) { "not within $timeoutMs ms: $what" }
        Thread.sleep(20)
    }
}

fun <T> checkEquals(expected: T, actual: T, what: String) {
    check(expected == actual) { "$what: expected $expected, got $actual" }
}
