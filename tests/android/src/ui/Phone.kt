// The customer's phone for the screen tests: the real MainActivity under Robolectric, driven
// by what a customer sees and taps (the Views' words), against the real lens-server run.sh
// started. Robolectric's main looper is paused: every wait idles it, so the screens the
// engine posts are drawn. In the default package, as the shared helpers from tests/kotlin/src
// (TechnicianConsole, Locales) are.

import android.Manifest
import android.content.Intent
import android.net.Uri
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import app.lens.media.Media
import app.lens.media.PatternCamera
import app.lens.session.SessionController
import app.lens.ui.MainActivity
import java.io.File
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import uniffi.lens_core.Screen

fun env(name: String): String = System.getenv(name) ?: error("$name is not set: run the tests with tests/android/run.sh")

val serverUrl: String get() = env("LENS_SERVER_URL")

fun signedInConsole(): TechnicianConsole =
    TechnicianConsole.signIn(serverUrl, env("LENS_TECHNICIAN_EMAIL"), env("LENS_TECHNICIAN_PASSWORD")).apply { connect() }

/** The licence text the server hands out when run without `--eula-file`, read from its source as the customer sees it. */
fun serverDefaultLicence(): String {
    val source = File("server/src/config.rs").readText()
    val literal = Regex("""DEFAULT_EULA_TEXT: &str = "(.*?)";""", RegexOption.DOT_MATCHES_ALL).find(source)
        ?: error("server/src/config.rs has no DEFAULT_EULA_TEXT")
    // A backslash at a line's end continues the Rust string without the line break and indent.
    return literal.groupValues[1].replace(Regex("""\\\n\s*"""), "")
}

class Phone(link: String? = null, vararg granted: String) {
    private val app = RuntimeEnvironment.getApplication()
    val activityController: ActivityController<MainActivity>

    init {
        if (granted.isNotEmpty()) shadowOf(app).grantPermissions(*granted)
        SessionController.endpoint = SessionController.Endpoint(serverUrl, bindIp = "127.0.0.1")
        // Robolectric has no camera: the media tests' pattern stands in from the Waiting screen on.
        Media.frameSourceFactory = { PatternCamera() }
        activityController = Robolectric.buildActivity(MainActivity::class.java, link?.let(::viewIntent)).setup()
    }

    val activity: MainActivity get() = activityController.get()

    /** What the app model says the customer sees now. */
    val screen: Screen? get() = SessionController.get(activity).screen

    /** Idles the main looper until the screen is a `T` that satisfies [wanted]; fails after [timeoutMs]. */
    inline fun <reified T : Screen> await(what: String, timeoutMs: Long = 20_000, wanted: (T) -> Boolean = { true }): T {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            shadowOf(Looper.getMainLooper()).idle()
            val shown = screen
            if (shown is T && wanted(shown)) return shown
            check(System.nanoTime() < deadline) { "no ${T::class.simpleName} showing $what within $timeoutMs ms; the screen is $shown" }
            Thread.sleep(20)
        }
    }

    /** A link tapped while the app runs (singleTask: onNewIntent). */
    fun open(link: String) {
        activityController.newIntent(viewIntent(link))
        idle()
    }

    fun idle() = shadowOf(Looper.getMainLooper()).idle()

    /** Every visible View under the Activity's content, in drawing order. */
    fun visibleViews(): List<View> {
        val found = mutableListOf<View>()
        fun walk(view: View) {
            if (view.visibility != View.VISIBLE) return
            found += view
            if (view is ViewGroup) (0 until view.childCount).forEach { walk(view.getChildAt(it)) }
        }
        walk(activity.findViewById(android.R.id.content))
        return found
    }

    /** The words on the screen, buttons included; the PIN field gives its text. */
    fun words(): List<String> = visibleViews().filterIsInstance<TextView>().map { it.text.toString() }

    fun button(label: String): Button = visibleViews().filterIsInstance<Button>().singleOrNull { it.text.toString() == label }
        ?: error("no button \"$label\" on the screen: ${words()}")

    fun tap(label: String) {
        val button = button(label)
        check(button.isEnabled) { "the button \"$label\" cannot be pressed" }
        button.performClick()
        idle()
    }

    val pinField: EditText get() = visibleViews().filterIsInstance<EditText>().single()

    private var answered: Any? = null

    /** Idles the main looper until [found] gives something; fails after [timeoutMs]. */
    fun <T : Any> awaitThat(what: String, timeoutMs: Long = 10_000, found: () -> T?): T {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            idle()
            found()?.let { return it }
            check(System.nanoTime() < deadline) { "$what did not happen within $timeoutMs ms" }
            Thread.sleep(20)
        }
    }

    /** The permissions the system's prompts ask for, once the app has shown them. */
    fun awaitPrompts(): List<String> = awaitThat("the permission prompts") {
        shadowOf(activity).lastRequestedPermission?.takeIf { it !== answered }?.requestedPermissions?.toList()
    }

    /** The system's prompts were answered: [granted] allowed, the rest refused. */
    fun answerPrompts(vararg granted: String) {
        awaitPrompts()
        val request = shadowOf(activity).lastRequestedPermission
        answered = request
        shadowOf(app).grantPermissions(*granted)
        val results = request.requestedPermissions.map { if (it in granted) GRANTED else DENIED }.toIntArray()
        activity.onRequestPermissionsResult(request.requestCode, request.requestedPermissions, results)
        idle()
    }

    /** The system destroys the Activity and makes a new one (a configuration change it does not handle itself). */
    fun recreate() {
        activityController.recreate()
        idle()
    }

    companion object {
        const val CAMERA = Manifest.permission.CAMERA
        const val MICROPHONE = Manifest.permission.RECORD_AUDIO
        private const val GRANTED = android.content.pm.PackageManager.PERMISSION_GRANTED
        private const val DENIED = android.content.pm.PackageManager.PERMISSION_DENIED

        fun viewIntent(link: String) = Intent(Intent.ACTION_VIEW, Uri.parse(link))
    }
}
