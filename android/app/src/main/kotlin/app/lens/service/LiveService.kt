package app.lens.service

import android.content.Context
import android.content.Intent
import android.os.Build
import android.util.Log
import app.lens.session.SessionController
import uniffi.lens_core.Screen
import uniffi.lens_core.Intent as AppIntent

/**
 * Keeps [LiveSessionService] running while a session is past the licence, so that the camera,
 * the microphone and the connection survive the screen turning off and the app going to the
 * background; stops it when the session ends. SessionController calls [onScreen] on the main
 * thread with every screen.
 */
object LiveService {
    private const val TAG = "Lens"

    private enum class State { STOPPED, RUNNING, FAILED }

    /**
     * What the app asked of the service. Read by the service's onDestroy: destroyed while still
     * RUNNING means the system stopped it, not the app. FAILED (it could not become a foreground
     * service) is not retried until the session is over, so a refusal is not repeated on every
     * screen update.
     */
    @Volatile private var state = State.STOPPED

    fun onScreen(context: Context, screen: Screen) {
        if (!needsService(screen)) {
            if (state == State.RUNNING) stop(context)
            state = State.STOPPED
            return
        }
        if (state != State.STOPPED) return
        val start = Intent(context, LiveSessionService::class.java)
        try {
            if (Build.VERSION.SDK_INT >= 26) context.startForegroundService(start) else context.startService(start)
            state = State.RUNNING
        } catch (e: IllegalStateException) {
            // Android 12+ refuses a foreground service started from the background
            // (ForegroundServiceStartNotAllowedException): the session goes on while the app is
            // visible, and the next screen tries again.
            Log.w(TAG, "the live session service could not start: $e")
        }
    }

    /**
     * Through onStartCommand rather than stopService: the system delivers the service's intents
     * in order, so the stop never overtakes a start not yet delivered (Android 8 kills an app
     * whose service stopped before it called startForeground). The app may send it from the
     * background, since its foreground service makes it a foreground app.
     */
    private fun stop(context: Context) {
        val stop = Intent(context, LiveSessionService::class.java).setAction(LiveSessionService.ACTION_STOP)
        try {
            context.startService(stop)
        } catch (e: IllegalStateException) {
            Log.w(TAG, "the live session service did not take the stop: $e")
            context.stopService(stop)
        }
    }

    /** From Waiting to the end: the customer accepted the licence and a technician has the session. */
    private fun needsService(screen: Screen): Boolean = when (screen) {
        is Screen.Waiting, is Screen.Connecting, is Screen.Live, is Screen.OnHold, is Screen.Reconnecting -> true
        else -> false
    }

    /** The service could not go to the foreground; it stops itself and the session stays. */
    internal fun startFailed() {
        if (state == State.RUNNING) state = State.FAILED
    }

    /**
     * The service is gone. When the app did not stop it, the system did: the customer can no
     * longer see that the technician is watching, so the session is left and the media stops.
     */
    internal fun destroyed(context: Context) {
        if (state != State.RUNNING) return
        state = State.STOPPED
        Log.w(TAG, "the system stopped the live session service: leaving the session")
        SessionController.get(context).act(AppIntent.Leave)
    }
}
