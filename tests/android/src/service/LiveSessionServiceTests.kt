// The foreground service of a live session (issue 12): the real MainActivity and
// SessionController (B's Phone) on a real lens-server, a technician through the console's
// socket and a webrtc-rs answerer for the technician's media (MediaAnswerer). Robolectric
// records the services the app starts instead of running them: AndroidServiceHost below delivers them
// to LiveSessionService the way Android does, so the notification, Leave and a destroy by the
// system run through the app's own code. In the default package, as the shared test helpers
// (Phone, TechnicianConsole, MediaAnswerer, Locales) are.

import Phone.Companion.CAMERA
import Phone.Companion.MICROPHONE
import android.app.Notification
import android.app.NotificationManager
import android.content.Intent
import android.content.pm.ServiceInfo
import app.lens.service.LiveSessionService
import app.lens.ui.MainActivity
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ServiceController
import org.robolectric.annotation.Config
import uniffi.lens_core.Screen

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class LiveSessionServiceTests {
    // No field or method here may name an android.* type: JUnit reads this class's members
    // outside Robolectric's sandbox, where android.* is absent. AndroidServiceHost holds those.
    private val console = signedInConsole()
    private val system = AndroidServiceHost()

    @After
    fun tearDown() = console.close()

    private fun en(id: String) = Locales.text("en", id)

    @Test
    fun whileLiveTheNotificationSaysTheTechnicianSeesTheCameraAndItsLeaveEndsTheSession() {
        val sessionId = goLive { phone ->
            val service = checkNotNull(system.service) { "no service runs while live" }
            val shadow = shadowOf(service)
            assertFalse("the service is not in the foreground", shadow.isForegroundStopped)
            assertEquals(
                "the service's types",
                ServiceInfo.FOREGROUND_SERVICE_TYPE_CAMERA or ServiceInfo.FOREGROUND_SERVICE_TYPE_MICROPHONE,
                service.foregroundServiceType,
            )
            val notification = shadowOf(system.notifications).allNotifications.single()
            assertTrue("the notification is not the service's", notification === shadow.lastForegroundNotification)

            // The words are core's (core/locales/en.ftl); a user reads that the technician sees the camera.
            assertEquals(en("notification-title"), notification.extras.getString(Notification.EXTRA_TITLE))
            assertEquals(en("notification-body"), notification.extras.getCharSequence(Notification.EXTRA_TEXT).toString())
            assertTrue("the notification does not mention the camera", "camera" in en("notification-title"))
            val channel = system.notifications.getNotificationChannel(notification.channelId)
            assertEquals(en("notification-channel"), channel.name.toString())
            assertEquals("a live session is not a loud notification", NotificationManager.IMPORTANCE_LOW, channel.importance)
            val tap = checkNotNull(notification.contentIntent) { "tapping the notification opens nothing" }
            assertEquals("what a tap opens", MainActivity::class.java.name, shadowOf(tap).savedIntent.component?.className)

            val leave = notification.actions.single()
            assertEquals(en("notification-leave"), leave.title.toString())
            leave.actionIntent.send()
            awaitScreen<Screen.Ended>(phone)
            assertTrue("why it ended", en("ended-customer-left") in phone.words())
            awaitTrue(phone, "the service to stop") { system.service == null }
            assertEquals("notifications after Leave", 0, shadowOf(system.notifications).allNotifications.size)
        }
        console.awaitStatus(sessionId, "closed")
    }

    @Test
    fun whenTheSystemDestroysTheServiceTheSessionIsLeft() {
        val sessionId = goLive { phone ->
            system.destroy()
            awaitScreen<Screen.Ended>(phone)
            assertTrue("why it ended", en("ended-customer-left") in phone.words())
            assertEquals("notifications after the service was destroyed", 0, shadowOf(system.notifications).allNotifications.size)
        }
        console.awaitStatus(sessionId, "closed")
    }

    @Test
    @Config(qualifiers = "de-rDE")
    fun aGermanPhoneReadsTheNotificationInGerman() {
        val service = Robolectric.buildService(LiveSessionService::class.java).create().startCommand(0, 1).get()
        val notification = checkNotNull(shadowOf(service).lastForegroundNotification) { "the service is not in the foreground" }
        fun de(id: String) = Locales.text("de", id)
        assertEquals(de("notification-title"), notification.extras.getString(Notification.EXTRA_TITLE))
        assertEquals(de("notification-body"), notification.extras.getCharSequence(Notification.EXTRA_TEXT).toString())
        assertEquals(de("notification-leave"), notification.actions.single().title.toString())
        assertNotEquals("de.ftl's notification is still English", en("notification-title"), de("notification-title"))
    }

    /**
     * A first start from the technician's link with the camera and the microphone allowed: the
     * tutorial, the licence, waiting; no service before the licence, the service from Waiting on.
     * The technician starts, and [whileLive] runs on the Live screen while the technician's
     * media answerer runs. Returns the session's id.
     */
    private fun goLive(whileLive: (Phone) -> Unit): String {
        val created = console.createSession("Sam Service")
        val phone = Phone("$serverUrl/${created.pin}", CAMERA, MICROPHONE)
        awaitScreen<Screen.Tutorial>(phone)
        phone.tap(en("tutorial-skip"))
        awaitScreen<Screen.Licence>(phone)
        assertNull("a service runs before the licence was accepted", system.service)
        phone.tap(en("licence-accept"))
        awaitScreen<Screen.Waiting>(phone)
        awaitTrue(phone, "the service to start on the Waiting screen") { system.service != null }
        console.awaitStatus(created.sessionId, "waiting")
        console.start(created.sessionId)
        val (answerer, answer) = MediaAnswerer.answering(console.awaitOffer(created.sessionId))
        answerer.use {
            console.answer(created.sessionId, answer)
            awaitScreen<Screen.Live>(phone)
            whileLive(phone)
        }
        return created.sessionId
    }

    /** Runs the main looper (where the app draws screens) and the fake system until [done]. */
    private fun awaitTrue(phone: Phone, what: String, timeoutMs: Long = 20_000, done: () -> Boolean) {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (true) {
            phone.idle()
            system.deliver()
            if (done()) return
            check(System.nanoTime() < deadline) { "not within $timeoutMs ms: $what (the screen is ${phone.screen})" }
            Thread.sleep(20)
        }
    }

    private inline fun <reified T : Screen> awaitScreen(phone: Phone) =
        awaitTrue(phone, "the ${T::class.simpleName} screen") { phone.screen is T }
}

/**
 * What Android does with the app's service intents: creates the service on the first, hands
 * each to onStartCommand in order, and destroys the service once it stopped itself.
 */
private class AndroidServiceHost {
    private val app = RuntimeEnvironment.getApplication()
    val notifications: NotificationManager = app.getSystemService(NotificationManager::class.java)
    private var controller: ServiceController<LiveSessionService>? = null
    private var startId = 0
    val service: LiveSessionService? get() = controller?.get()

    fun deliver() {
        while (true) {
            val intent: Intent = shadowOf(app).nextStartedService ?: return
            check(intent.component?.className == LiveSessionService::class.java.name) { "an unexpected service was started: $intent" }
            val running = controller ?: Robolectric.buildService(LiveSessionService::class.java, intent).create()
                .also { controller = it }
            running.withIntent(intent).startCommand(0, ++startId)
            if (shadowOf(running.get()).isStoppedBySelf) destroy()
        }
    }

    /** Destroys the service, as the system does after it stopped itself, or on its own account. */
    fun destroy() {
        checkNotNull(controller) { "no service to destroy" }.destroy()
        controller = null
    }
}
