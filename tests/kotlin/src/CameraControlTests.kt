// The technician's camera buttons reaching a phone app through the bindings: the app pushes
// its own camera (a pushed video source), so Switch camera and Torch arrive at its
// CameraController as requests, and every control is told to its SessionListener. A pause
// the customer made is the customer's: the technician's Resume is refused with the reason,
// and so is a Torch on a camera that has none.
//
// Nothing answers the app's offer here (no browser): the controls travel over signalling
// while the session is active and the app's media has started, which is all they need.

import java.util.concurrent.LinkedBlockingQueue
import uniffi.lens_core.CameraControl
import uniffi.lens_core.Intent
import uniffi.lens_ffi.CameraController
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionEvent
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.SessionState
import uniffi.lens_engine.ShellRequest
import uniffi.lens_engine.VideoSourceConfig

/** The app's camera code: records what the engine asks of it. */
class RecordingCameraController : CameraController {
    val requests = LinkedBlockingQueue<ShellRequest>()

    override fun onRequest(request: ShellRequest) {
        requests.add(request)
    }

    /** The next request that is not about the encoder (keyframes, bitrates). */
    fun next(timeoutMs: Long = 10_000): ShellRequest =
        requests.pollFor(timeoutMs, "the camera controller was asked nothing") { request ->
            request.takeIf { it !is ShellRequest.KeyframeNeeded && it !is ShellRequest.TargetBitrate }
        }
}

/** The next `TechnicianControl` event, passing over stats and other notices. */
fun RecordingListener.nextTechnicianControl(timeoutMs: Long = 10_000): SessionEvent.TechnicianControl =
    events.pollFor(timeoutMs, "the app was told of no technician control") { it as? SessionEvent.TechnicianControl }

class CameraControlTests(private val server: Server) {
    fun all(): List<Pair<String, () -> Unit>> = listOf(
        "camera controls: the technician's Switch camera, Torch and Pause reach the app's CameraController and listener; a torch the camera lacks and the customer's own pause are refused; the torch is lit again on a camera that has one" to ::controlsReachThePhone,
    )

    private fun controlsReachThePhone(): Unit =
        TechnicianConsole.signIn(server.url, server.email, server.password).use { console ->
            console.connect()
            val created = console.createSession("Cam Customer")
            val options = SessionOptions(bindIp = "127.0.0.1", video = VideoSourceConfig.Pushed(640u, 480u, 30u))
            LensSession(server.url, options, MemoryEulaStorage()).use { session ->
                val camera = RecordingCameraController()
                val listener = RecordingListener()
                session.setCameraController(camera).use {
                    session.subscribe(listener).use {
                        listener.expect<SessionState.Idle>()
                        session.answerPermissions(true, true)
                        session.join(created.pin)
                        listener.expect<SessionState.ResolvingPin>()
                        listener.expect<SessionState.NeedsEula>()
                        session.acceptEula()
                        listener.expect<SessionState.WaitingForTechnician>()
                        console.awaitStatus(created.sessionId, "waiting")
                        console.start(created.sessionId)
                        listener.expect<SessionState.Connecting>()
                        console.awaitOffer(created.sessionId)

                        // Switch camera and torch are the app's to carry out.
                        console.control(created.sessionId, "switch_camera")
                        checkEquals<ShellRequest>(ShellRequest.SwitchCamera, camera.next(), "request for Switch camera")
                        val switched = listener.nextTechnicianControl()
                        checkEquals(CameraControl.SWITCH_CAMERA, switched.control, "control told to the app")
                        checkEquals("The technician asked to switch the camera", switched.description, "sentence")
                        checkEquals(null, switched.refused, "refusal")

                        console.control(created.sessionId, "torch_on")
                        checkEquals<ShellRequest>(ShellRequest.Torch(true), camera.next(), "request for Torch on")
                        checkEquals(CameraControl.TORCH_ON, listener.nextTechnicianControl().control, "control told to the app")

                        // Now on the front camera, which has no torch (the app says what it
                        // opened): the technician reads why, and the camera is not asked (the
                        // next request below is the pause's).
                        session.act(Intent.CameraOpened(torch = false, anotherCamera = true))
                        console.control(created.sessionId, "torch_on")
                        val noTorch = "The customer's camera has no torch"
                        checkEquals(noTorch, console.awaitControlRefused(created.sessionId, "torch_on"), "refusal")
                        checkEquals(noTorch, listener.nextTechnicianControl().refused, "refusal told to the app")

                        // Back on the back camera: the torch the technician lit is asked for
                        // again; the app, not the shell, remembers it.
                        session.act(Intent.CameraOpened(torch = true, anotherCamera = true))
                        checkEquals<ShellRequest>(ShellRequest.Torch(true), camera.next(), "request to light the torch again")

                        // The technician's pause: the camera may stop, the app says so, the
                        // console learns who paused.
                        console.control(created.sessionId, "pause_video")
                        checkEquals<ShellRequest>(ShellRequest.VideoPaused(true), camera.next(), "request after Pause video")
                        val paused = listener.nextTechnicianControl()
                        checkEquals("The technician paused your video", paused.description, "sentence")
                        checkEquals(true, session.videoPaused(), "videoPaused() after the technician's pause")
                        val state = console.awaitMediaState(created.sessionId)
                        checkEquals<Any?>(true, state["video_paused"], "media_state.video_paused")
                        checkEquals<Any?>("technician", state["paused_by"], "media_state.paused_by")

                        // The customer makes the pause their own; the technician cannot lift it.
                        session.pauseVideo()
                        checkEquals<Any?>("customer", console.awaitMediaState(created.sessionId)["paused_by"], "paused_by")
                        console.control(created.sessionId, "resume_video")
                        val why = console.awaitControlRefused(created.sessionId, "resume_video")
                        checkEquals("The customer paused the video; only they can resume it", why, "refusal")
                        checkEquals(
                            "The customer paused the video; only they can resume it",
                            listener.nextTechnicianControl().refused,
                            "refusal told to the app",
                        )
                        checkEquals(true, session.videoPaused(), "still paused")

                        session.resumeVideo()
                        checkEquals<ShellRequest>(ShellRequest.VideoPaused(false), camera.next(), "request after the customer resumed")
                        checkEquals<Any?>(false, console.awaitMediaState(created.sessionId)["video_paused"], "video_paused")

                        console.end(created.sessionId)
                        listener.expect<SessionState.Ended>()
                    }
                }
            }
        }
}
