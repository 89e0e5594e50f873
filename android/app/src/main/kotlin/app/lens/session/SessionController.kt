package app.lens.session

import android.Manifest
import android.app.Activity
import android.content.Context
import android.net.Uri
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.provider.Settings
import app.lens.AppConfig
import app.lens.media.MediaCapture
import app.lens.service.LiveService
import uniffi.lens_core.Effect
import uniffi.lens_core.Intent
import uniffi.lens_core.Screen
import uniffi.lens_ffi.AppListener
import uniffi.lens_ffi.LensSession

/**
 * The process's one customer session, outside any Activity so that it survives rotation and
 * the app going to the background. The core decides every screen; this passes the screens
 * on (on the main thread), carries out the effects meant for the shell and keeps the media
 * and the foreground service in step with the screen.
 *
 * One session serves every join: after an end, Back to start returns the same session to the
 * PIN field and the next PIN or link joins again (core/src/app/flow.rs).
 */
class SessionController private constructor(private val app: Context) {
    /** Where sessions go: the operator's server; a test on loopback also binds media to 127.0.0.1. */
    class Endpoint(val serverUrl: String, val bindIp: String? = null)

    companion object {
        /** Read when a controller is made: tests set their own server before the first [get]. */
        @Volatile
        var endpoint = Endpoint(AppConfig.SERVER_URL)

        private var current: SessionController? = null

        /**
         * The controller of this process, made on first use. Main thread only. Keyed to the
         * application: a phone has one per process, while Robolectric makes a new one for each
         * test, whose session must not inherit the last test's.
         */
        fun get(context: Context): SessionController {
            val app = context.applicationContext
            current?.let {
                if (it.app === app) return it
                it.close()
            }
            return SessionController(app).also { current = it }
        }

        /** Answered in [Activity.onRequestPermissionsResult]. */
        const val PERMISSIONS_REQUEST = 1
    }

    private val device = DeviceSettings(app)
    private val main = Handler(Looper.getMainLooper())
    val session = LensSession(endpoint.serverUrl, device.options(endpoint), device.eulaStorage)
    private val media = MediaCapture(app, session)
    private val network = NetworkWatch(app) { session.networkChanged() }
    private val listeners = mutableListOf<(Screen) -> Unit>()
    private var closed = false

    /** What the customer sees now; null until the engine's first screen reached the main thread. */
    var screen: Screen? = null
        private set

    /** The Activity in front, for the effects that need one (system prompts, settings). */
    private var activity: Activity? = null

    /** An effect that came while no Activity was in front: carried out when one is. */
    private var waiting: Effect? = null

    // The engine calls on its own threads; everything here happens on the main thread.
    private val subscription = session.subscribeApp(object : AppListener {
        override fun onScreen(screen: Screen) {
            main.post { show(screen) }
        }

        override fun onEffect(effect: Effect) {
            main.post { carryOut(effect) }
        }
    })

    fun act(intent: Intent) = session.act(intent)

    /** Calls [listener] on the main thread with the current screen (if any yet), then with every new one. */
    fun addScreenListener(listener: (Screen) -> Unit) {
        listeners += listener
        screen?.let(listener)
    }

    fun removeScreenListener(listener: (Screen) -> Unit) {
        listeners -= listener
    }

    /** The Activity came to the front (null: it left). */
    fun attach(activity: Activity?) {
        this.activity = activity
        if (activity == null) return
        waiting?.let {
            waiting = null
            carryOut(it)
        }
        // Back from the system settings, or the customer changed the permissions meanwhile:
        // the refusal screen shows what the platform says now.
        if (screen is Screen.PermissionsRefused) answerPermissions()
    }

    /** The system's prompts were answered (from [Activity.onRequestPermissionsResult]). */
    fun answerPermissions() {
        val grants = device.grants()
        act(Intent.PermissionsAnswered(grants.camera, grants.microphone))
    }

    /** Leaves any session and ends everything it started; a later [get] makes a new controller. */
    fun close() {
        if (closed) return
        closed = true
        if (current === this) current = null
        listeners.clear()
        activity = null
        // Offered only while a session is in progress; otherwise the engine ignores it.
        session.act(Intent.Leave)
        subscription.close()
        network.close()
        media.close()
        session.close()
    }

    private fun show(screen: Screen) {
        if (closed) return
        this.screen = screen
        media.onScreen(screen)
        LiveService.onScreen(app, screen)
        listeners.toList().forEach { it(screen) }
    }

    private fun carryOut(effect: Effect) {
        if (closed) return
        when (effect) {
            Effect.SaveTutorialSeen -> device.tutorialSeen = true
            Effect.RequestPermissions -> activity?.requestPermissions(permissions(), PERMISSIONS_REQUEST)
                ?: run { waiting = effect }
            Effect.OpenSystemSettings -> activity?.startActivity(
                android.content.Intent(
                    Settings.ACTION_APPLICATION_DETAILS_SETTINGS,
                    Uri.fromParts("package", app.packageName, null),
                ),
            ) ?: run { waiting = effect }
            // The engine and MediaCapture's CameraController carry these out; they do not come here.
            is Effect.SetMicrophoneMuted, Effect.SwitchCamera, is Effect.SetTorch -> Unit
        }
    }

    /** The camera and the microphone; and the live notification's permission where the platform asks for it. */
    private fun permissions(): Array<String> {
        val wanted = mutableListOf(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO)
        if (Build.VERSION.SDK_INT >= 33) wanted += Manifest.permission.POST_NOTIFICATIONS
        return wanted.toTypedArray()
    }
}
