package app.lens.service

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.graphics.drawable.Icon
import android.os.Build
import app.lens.AppConfig
import app.lens.session.deviceLocales
import app.lens.ui.MainActivity
import uniffi.lens_ffi.liveNotification

/**
 * The notification of a live session: that the technician can see the camera, a Leave button,
 * and a tap back into the app. Every word comes from the core (`liveNotification`) in the
 * phone's languages.
 */
internal object SessionNotification {
    const val ID = 1
    private const val CHANNEL = "live_session"

    fun build(context: Context): Notification {
        val words = liveNotification(deviceLocales(context))
        val builder = if (Build.VERSION.SDK_INT >= 26) {
            // Low importance: shown in the shade and the status bar, without a sound; the
            // customer started the session and is looking at it.
            val channel = NotificationChannel(CHANNEL, words.channelName, NotificationManager.IMPORTANCE_LOW)
            context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
            Notification.Builder(context, CHANNEL)
        } else {
            @Suppress("DEPRECATION")
            Notification.Builder(context).setPriority(Notification.PRIORITY_LOW)
        }
        if (Build.VERSION.SDK_INT >= 31) {
            // Shown at once: Android 12 may otherwise hold a service's notification back for 10 s,
            // while the camera is already in use.
            builder.setForegroundServiceBehavior(Notification.FOREGROUND_SERVICE_IMMEDIATE)
        }
        val leave = Intent(context, LiveSessionService::class.java).setAction(LiveSessionService.ACTION_LEAVE)
        val open = Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        return builder
            .setSmallIcon(android.R.drawable.presence_video_online)
            .setColor(AppConfig.BRAND_COLOUR)
            .setContentTitle(words.title)
            .setContentText(words.body)
            .setStyle(Notification.BigTextStyle().bigText(words.body))
            .setCategory(Notification.CATEGORY_CALL)
            .setOngoing(true)
            .setContentIntent(PendingIntent.getActivity(context, 0, open, PendingIntent.FLAG_IMMUTABLE))
            .addAction(
                Notification.Action.Builder(
                    Icon.createWithResource(context, android.R.drawable.ic_menu_close_clear_cancel),
                    words.leave,
                    PendingIntent.getService(context, 0, leave, PendingIntent.FLAG_IMMUTABLE),
                ).build(),
            )
            .build()
    }
}
