// The app model's half of the glue, as a phone shell would write it: a listener that records
// every screen and effect the app model sends, for the test to wait on.

import java.util.concurrent.LinkedBlockingQueue
import uniffi.lens_core.Effect
import uniffi.lens_core.Screen
import uniffi.lens_ffi.AppListener

open class RecordingAppListener : AppListener {
    val screens = LinkedBlockingQueue<Screen>()
    val effects = LinkedBlockingQueue<Effect>()

    /** The screen the test last took: the one the customer sees. */
    @Volatile var shown: Screen? = null

    override fun onScreen(screen: Screen) {
        screens.add(screen)
    }

    override fun onEffect(effect: Effect) {
        effects.add(effect)
    }

    /**
     * The next screen of another kind than the one shown, which must be a `T`. Updates of the
     * shown screen (a new quality figure, a toggle) are passed over; any other screen first
     * fails the test, so a run of `expect` calls checks the screens' order.
     */
    inline fun <reified T : Screen> expect(timeoutMs: Long = 20_000): T {
        val before = shown
        val next = screens.pollFor(timeoutMs, "no ${T::class.simpleName} after ${before?.javaClass?.simpleName}") { screen ->
            screen.takeUnless { before != null && it.javaClass == before.javaClass }
        }
        shown = next
        check(next is T) { "expected ${T::class.simpleName} after ${before?.javaClass?.simpleName}, got $next" }
        return next
    }

    /** The next update of the shown `T` screen that satisfies `wanted`; another screen fails. */
    inline fun <reified T : Screen> update(what: String, timeoutMs: Long = 20_000, crossinline wanted: (T) -> Boolean): T {
        val next = screens.pollFor(timeoutMs, "no screen showing $what") { screen ->
            check(screen is T) { "expected a ${T::class.simpleName} showing $what, got $screen" }
            screen.takeIf(wanted)
        }
        shown = next
        return next
    }

    fun nextEffect(timeoutMs: Long = 10_000): Effect = effects.pollFor(timeoutMs, "no effect") { it }
}
