package app.lens.service

import android.Manifest
import android.app.Service
import android.content.Intent
import android.content.pm.PackageManager
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import android.util.Log
import app.lens.session.SessionController
import uniffi.lens_core.Intent as AppIntent

/**
 * The foreground service of a session past the licence (types camera|microphone in the
 * manifest): its notification tells the customer that the technician can see the camera and
 * offers Leave. It holds no media itself; being in the foreground is what lets the session's
 * camera and microphone go on while the app is in the background. Started and stopped by
 * [LiveService].
 */
class LiveSessionService : Service() {
    companion object {
        /** The notification's Leave button. */
        const val ACTION_LEAVE = "app.lens.action.LEAVE"

        /** From LiveService when the session is over. */
        const val ACTION_STOP = "app.lens.action.STOP"
    }

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        when (intent?.action) {
            // The model ends the session; its Ended screen makes LiveService send ACTION_STOP.
            ACTION_LEAVE -> SessionController.get(this).act(AppIntent.Leave)
            ACTION_STOP -> {
                stopForeground(STOP_FOREGROUND_REMOVE)
                stopSelf()
            }
            else -> goForeground()
        }
        // After the process dies the session is gone with it: nothing to restart for.
        return START_NOT_STICKY
    }

    private fun goForeground() {
        val notification = SessionNotification.build(this)
        try {
            if (Build.VERSION.SDK_INT >= 30) {
                startForeground(SessionNotification.ID, notification, grantedTypes())
            } else {
                // Before Android 11 there are no camera and microphone service types.
                startForeground(SessionNotification.ID, notification)
            }
        } catch (e: RuntimeException) {
            // Android 12+ refuses from the background (IllegalStateException), Android 14+
            // without the permission behind a type (SecurityException). The session goes on
            // while the app is visible.
            Log.w("Lens", "the live session service could not go to the foreground: $e")
            LiveService.startFailed()
            stopSelf()
        }
    }

    /**
     * The types whose permission the customer granted: Android 14 refuses a type whose
     * permission is missing, and a customer may have joined without the microphone.
     */
    private fun grantedTypes(): Int {
        var types = 0
        if (granted(Manifest.permission.CAMERA)) types = types or ServiceInfo.FOREGROUND_SERVICE_TYPE_CAMERA
        if (granted(Manifest.permission.RECORD_AUDIO)) types = types or ServiceInfo.FOREGROUND_SERVICE_TYPE_MICROPHONE
        return types
    }

    private fun granted(permission: String) = checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    override fun onDestroy() {
        LiveService.destroyed(this)
        super.onDestroy()
    }
}
