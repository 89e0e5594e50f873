// Runs the Android tests (JUnit 4 classes under Robolectric) and closes with the line
// tests/summary.sh adds up: `android: N passed, M failed, K skipped`. run.sh passes the test
// jar; every top-level class in it whose name ends in "Tests" is a test class (finding them
// by annotation would load classes outside Robolectric's sandbox, where android.* is absent).
package app.lens.test.support

import java.util.jar.JarFile
import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.Request
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

fun main(args: Array<String>) {
    val jar = args.singleOrNull() ?: error("usage: AndroidTestMain <tests.jar>")
    val filter = System.getenv("LENS_ANDROID_TESTS")?.takeIf { it.isNotBlank() }
    val classes = JarFile(jar).use { file ->
        file.entries().asSequence().map { it.name }
            .filter { it.endsWith("Tests.class") && '$' !in it }
            .map { it.removeSuffix(".class").replace('/', '.') }
            .filter { filter == null || it.substringAfterLast('.') == filter }
            .sorted().toList()
    }
    val report = Report()
    if (classes.isEmpty()) report.nothingFound(filter)
    val started = System.nanoTime()
    for (name in classes) {
        val core = JUnitCore()
        core.addListener(report)
        core.run(Request.aClass(Class.forName(name)))
    }
    println("android suite: ${(System.nanoTime() - started) / 1_000_000} ms for ${classes.size} classes")
    println("android: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped")
    // Robolectric, OkHttp-like clients and UniFFI's cleaner keep threads alive; the verdict is in.
    exitProcess(if (report.failed == 0) 0 else 1)
}

/** One line per test, as it finishes, and the counts. */
private class Report : RunListener() {
    var passed = 0
    var failed = 0
    var skipped = 0
    private var started = 0L
    private var failedNow = false

    fun nothingFound(filter: String?) {
        failed++
        println("FAIL - no test class ${filter ?: "(*Tests)"} in the test jar")
    }

    override fun testStarted(description: Description) {
        started = System.nanoTime()
        failedNow = false
    }

    override fun testFailure(failure: Failure) {
        // A failure in a class's set-up has no testStarted/testFinished of its own.
        failed++
        failedNow = true
        println("FAIL - ${failure.description.displayName}")
        failure.exception.printStackTrace(System.out)
    }

    override fun testAssumptionFailure(failure: Failure) {
        skipped++
        failedNow = true
        println("SKIPPED - ${failure.description.displayName}: ${failure.message}")
    }

    override fun testIgnored(description: Description) {
        skipped++
        println("SKIPPED - ${description.displayName} (@Ignore)")
    }

    override fun testFinished(description: Description) {
        if (failedNow) return
        passed++
        println("ok - ${description.displayName} (${(System.nanoTime() - started) / 1_000_000} ms)")
    }
}
