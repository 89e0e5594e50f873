// The customer's half of tests/e2e/android-media.test.mjs: the real MainActivity opened with
// the session's link, camera and microphone allowed, the licence accepted, then Live, with
// the app's own MediaCapture feeding the engine: PatternCamera's pictures (a sensor mounted
// turned 90°, as on phones) through FramePusher and the rotation code, and a beeping tone
// through Robolectric's AudioRecord into Voice's microphone thread. Chromium, driven by the
// node test, judges what arrives. Named *Scenario so the Robolectric suite (AndroidTestMain,
// which runs *Tests) does not run it without its technician; the node test runs it with
// JUnitCore.
//
// Env: LENS_SERVER_URL, LENS_LINK. stdout: `scenario: <screen>` lines the node test waits for;
// stdin: `leave` leaves the session.

package app.lens.media

import android.Manifest
import android.app.Application
import android.content.Intent
import android.net.Uri
import android.os.Looper
import app.lens.session.SessionController
import app.lens.ui.MainActivity
import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlin.math.PI
import kotlin.math.sin
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAudioRecord
import uniffi.lens_core.Screen
import uniffi.lens_core.Intent as AppIntent

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class CameraToConsoleScenario {
    private val app: Application = RuntimeEnvironment.getApplication()
    private val camera = PatternCamera(sensorOrientation = 90, layout = "nv21")

    @Test
    fun theTechnicianSeesThePatternUprightAndHearsTheTone() {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA, Manifest.permission.RECORD_AUDIO)
        SessionController.endpoint = SessionController.Endpoint(env("LENS_SERVER_URL"), bindIp = "127.0.0.1")
        Media.frameSourceFactory = { camera }
        ShadowAudioRecord.setSourceProvider { BeepingMicrophone() }

        val link = Intent(Intent.ACTION_VIEW, Uri.parse(env("LENS_LINK"))).setClass(app, MainActivity::class.java)
        val activity = Robolectric.buildActivity(MainActivity::class.java, link).setup()
        val controller = SessionController.get(app)
        // A first start shows the tutorial before the link's session; the link is kept meanwhile.
        await<Screen.Licence> { if (controller.screen is Screen.Tutorial) controller.act(AppIntent.TutorialSkip) }
        controller.act(AppIntent.Accept(System.currentTimeMillis()))
        await<Screen.Waiting>()
        val live = await<Screen.Live>(timeoutMs = 60_000)
        assertTrue("the pattern camera delivered no frames", camera.frames > 0)
        // MediaCapture told core what the camera has (when it opened, on the Waiting screen):
        // nothing to light, nothing to switch to.
        val controls = live.controls
        assertEquals("torch offered on a camera without one", false, controls.torch.enabled)
        assertEquals("switch offered on a phone with one camera", false, controls.switchCamera.enabled)
        // Until the node test has looked and listened, and says so.
        val ended = await<Screen.Ended>(timeoutMs = 120_000) {
            if (System.`in`.available() > 0 && readLine()?.trim() == "leave") controller.act(AppIntent.Leave)
        }
        val stats = controller.session.pushedStats()
        println("scenario: pushed ${stats.video} ${stats.audio}")
        assertEquals("video frames refused by the engine: ${stats.video}", 0uL, stats.video.refused)
        assertTrue("no video frame reached the live session: ${stats.video}", stats.video.accepted > 0uL)
        assertTrue("no microphone block reached the live session: ${stats.audio}", stats.audio.accepted > 0uL)
        println("scenario: ended ${ended.reason}")
        activity.pause().stop().destroy()
        SessionController.get(app).close()
    }

    /** Idles the main looper (where screens arrive) until the screen is a [T]; reports each new screen. */
    private inline fun <reified T : Screen> await(timeoutMs: Long = 30_000, meanwhile: () -> Unit = {}): T {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        var last: Screen? = null
        while (true) {
            shadowOf(Looper.getMainLooper()).idle()
            val screen = SessionController.get(app).screen
            if (screen != last && screen != null) println("scenario: ${screen::class.simpleName}")
            last = screen
            if (screen is T) return screen
            check(System.nanoTime() < deadline) { "no ${T::class.simpleName} screen within $timeoutMs ms; last $screen" }
            meanwhile()
            Thread.sleep(20)
        }
    }

    private fun env(name: String) = checkNotNull(System.getenv(name)) { "$name is not set (run tests/e2e/android-media.test.mjs)" }
}

/**
 * What Robolectric's AudioRecord reads: 48 kHz mono 16-bit, a 660 Hz tone 300 ms on and 200 ms
 * off (a steady tone could pass for noise to the voice codec's DTX), delivered in real time
 * as a blocking read of a real microphone is.
 */
private class BeepingMicrophone : ShadowAudioRecord.AudioRecordSource {
    private var sample = 0L
    private val started = System.nanoTime()

    override fun readInDirectBuffer(buffer: ByteBuffer, sizeInBytes: Int, isBlocking: Boolean): Int {
        val out = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN)
        out.clear()
        val samples = minOf(sizeInBytes, out.capacity()) / 2
        repeat(samples) {
            val t = sample++.toDouble() / 48_000
            val on = t % 0.5 < 0.3
            out.putShort(if (on) (0.4 * Short.MAX_VALUE * sin(2 * PI * 660 * t)).toInt().toShort() else 0)
        }
        val due = started + sample * 1_000_000_000 / 48_000 - System.nanoTime()
        if (due > 0) Thread.sleep(due / 1_000_000)
        return samples * 2
    }
}
