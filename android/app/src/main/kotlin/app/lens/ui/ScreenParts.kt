package app.lens.ui

import uniffi.lens_core.Button
import uniffi.lens_core.Intent
import uniffi.lens_core.Quality
import uniffi.lens_core.Screen
import uniffi.lens_core.Toggle
import uniffi.lens_ffi.screenMedia
import uniffi.lens_ffi.screenUnderWay

/** One element of a screen, in the order drawn. Every word in it comes from the core's [Screen]. */
sealed class Part {
    data class Heading(val text: String) : Part()
    data class Body(val text: String) : Part()

    /**
     * A sentence that needs the customer's attention (what is wrong with the PIN, a notice),
     * hidden while there is none: a screen keeps its parts while the customer types.
     */
    data class Note(val text: String?) : Part()

    /** The PIN field with what the model holds; [prompt] is its label. Done presses [join]. */
    data class PinField(val input: String, val prompt: String, val join: Button) : Part()

    /** Something is under way, where the core says so ([screenUnderWay]). */
    object Busy : Part()

    /** Where the customer is in the tutorial. */
    data class Steps(val step: Int, val steps: Int, val words: String) : Part()

    /** The network quality's bars, read out as its word; hidden until there is a figure. */
    data class Meter(val quality: Quality?) : Part()

    /** A button; [intent] is asked for at the tap (the licence's acceptance carries the time). */
    class Action(val button: Button, val intent: () -> Intent) : Part()

    /** A switch showing where it stands; a tap asks for the other position. */
    class Switch(val toggle: Toggle, val intent: (Boolean) -> Intent) : Part()
}

/** A screen as drawn: whether the camera preview shows, and its parts. */
class Drawing(val preview: Boolean, val parts: List<Part>)

/**
 * The decisions of desktop/src/window/screens.rs, as parts for framework Views. Whether the
 * preview shows is the core's ([screenMedia]), the same answer that runs the camera.
 */
fun drawing(screen: Screen): Drawing = Drawing(screenMedia(screen).camera, parts(screen))

private fun parts(screen: Screen): List<Part> {
    val busy = Part.Busy.takeIf { screenUnderWay(screen) }
    return when (screen) {
        is Screen.Tutorial -> listOf(
            Part.Steps(screen.step.toInt(), screen.steps.toInt(), screen.progress),
            Part.Heading(screen.title),
            Part.Body(screen.body),
            Part.Action(screen.next) { Intent.TutorialNext },
            Part.Action(screen.skip) { Intent.TutorialSkip },
        )
        is Screen.Permissions ->
            listOf(Part.Heading(screen.title), Part.Body(screen.body), Part.Action(screen.allow) { Intent.AllowPermissions })
        is Screen.PermissionsRefused -> listOfNotNull(
            Part.Heading(screen.title),
            Part.Body(screen.body),
            Part.Action(screen.openSettings) { Intent.OpenSettings },
            Part.Action(screen.tryAgain) { Intent.AllowPermissions },
            screen.withoutMicrophone?.let { Part.Action(it) { Intent.JoinWithoutMicrophone } },
        )
        is Screen.EnterPin -> listOf(
            Part.Heading(screen.title),
            Part.Body(screen.organisation),
            Part.PinField(screen.input, screen.prompt, screen.join),
            Part.Note(screen.problem),
            Part.Action(screen.join) { Intent.Join },
        )
        is Screen.Joining -> listOfNotNull(Part.Heading(screen.title), Part.Body(screen.body), busy)
        is Screen.Licence -> listOf(
            Part.Heading(screen.title),
            Part.Body(screen.intro),
            Part.Body(screen.text),
            Part.Action(screen.accept) { Intent.Accept(System.currentTimeMillis()) },
            Part.Action(screen.decline) { Intent.Decline },
        )
        is Screen.Waiting -> waiting(screen.title, screen.body, screen.leave, busy)
        is Screen.OnHold -> waiting(screen.title, screen.body, screen.leave, busy)
        is Screen.Connecting -> waiting(screen.title, screen.body, screen.leave, busy)
        is Screen.Reconnecting -> waiting(screen.title, screen.body, screen.leave, busy)
        is Screen.Live -> listOf(
            Part.Heading(screen.title),
            Part.Meter(screen.quality),
            Part.Note(screen.videoPausedNote),
            Part.Note(screen.notice),
            Part.Switch(screen.controls.mute) { Intent.SetMuted(it) },
            Part.Switch(screen.controls.pauseVideo) { Intent.SetVideoPaused(it) },
            Part.Action(screen.controls.switchCamera) { Intent.SwitchCamera },
            Part.Switch(screen.controls.torch) { Intent.SetTorch(it) },
            Part.Action(screen.controls.leave) { Intent.Leave },
        )
        is Screen.Ended ->
            listOf(Part.Heading(screen.title), Part.Body(screen.reason), Part.Action(screen.back) { Intent.BackToStart })
    }
}

private fun waiting(title: String, body: String, leave: Button, busy: Part.Busy?) = listOfNotNull(
    Part.Heading(title),
    Part.Body(body),
    busy,
    Part.Action(leave) { Intent.Leave },
)
