// The few assertions the tests need (no test framework on the class path).

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
