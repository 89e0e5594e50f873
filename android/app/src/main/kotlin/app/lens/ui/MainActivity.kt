package app.lens.ui

import android.app.Activity
import android.content.Intent
import android.os.Bundle
import app.lens.session.SessionController
import uniffi.lens_core.Screen
import uniffi.lens_core.Intent as AppIntent

/**
 * The one Activity: draws the core's screens and opens the session links
 * (`https://<host>/<pin>`, `/?code=<pin>`, `/join/<pin>`, `lens://join/<pin>`). It holds no
 * state of its own: the session lives in [SessionController], so an Activity the system
 * recreates draws the same screen.
 */
class MainActivity : Activity() {
    private lateinit var controller: SessionController
    private lateinit var screens: ScreenView
    private val draw: (Screen) -> Unit = { screens.show(drawing(it)) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        controller = SessionController.get(this)
        screens = ScreenView(this, controller::act)
        setContentView(screens.root)
        controller.addScreenListener(draw)
        // A recreated Activity gets the link that opened the first one again: not a new tap.
        if (savedInstanceState == null) openLink(intent)
    }

    /** singleTask: a link tapped while the app runs arrives here. */
    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        openLink(intent)
    }

    override fun onResume() {
        super.onResume()
        controller.attach(this)
    }

    override fun onPause() {
        controller.attach(null)
        super.onPause()
    }

    override fun onDestroy() {
        controller.removeScreenListener(draw)
        super.onDestroy()
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        // No results: the request was interrupted, and the screen still offers to ask again.
        if (requestCode == SessionController.PERMISSIONS_REQUEST && grantResults.isNotEmpty()) {
            controller.answerPermissions()
        }
    }

    /** Whether the link may join is the model's decision (never while a session is in progress). */
    private fun openLink(intent: Intent?) {
        if (intent?.action != Intent.ACTION_VIEW) return
        // Reopened from the recent apps, the Activity gets its old link again: not a new tap.
        if (intent.flags and Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY != 0) return
        val url = intent.dataString ?: return
        controller.act(AppIntent.OpenedLink(url))
    }
}
