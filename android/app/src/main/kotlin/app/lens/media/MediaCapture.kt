package app.lens.media

import android.content.Context
import android.util.Log
import uniffi.lens_core.Intent
import uniffi.lens_core.Screen
import uniffi.lens_engine.ShellRequest
import uniffi.lens_ffi.CameraController
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.screenMedia

/**
 * Runs the phone's media for one session as core's screen says ([screenMedia]): the camera
 * while a screen shows the preview (from Waiting: the engine drops every frame until the
 * technician started), the microphone and the speaker while connecting and live, nothing
 * after Ended or [close].
 * Also the session's [CameraController]: torch, camera switch, keyframes and bitrate.
 */
class MediaCapture(private val context: Context, private val session: LensSession) : CameraController {
    private val pusher = FramePusher(session)
    /** Guards the camera, the voice and the switches; never taken on the camera's thread, which stop() joins. */
    private val lock = Any()
    /** Guards [encoder] between the camera's thread and the others. */
    private val encoderLock = Any()
    private var source: FrameSource? = null
    private var voice: Voice? = null
    private var front = false
    /** Frames go to the hardware encoder only while the technician watches (Connecting, Live). */
    @Volatile private var sending = false
    private var encoder: HardwareH264? = null
    private var refusals = 0
    private val controller = session.setCameraController(this)

    fun onScreen(screen: Screen) {
        // Core says what the camera and the microphone do on this screen.
        val media = screenMedia(screen)
        val preview = media.camera
        val talking = media.talking
        synchronized(lock) {
            sending = talking
            if (preview && source == null) startCamera()
            if (!preview && source != null) stopCamera()
            if (talking && voice == null) voice = Voice(context, session).also { it.start() }
            if (!talking) voice?.close().also { voice = null }
            if (!talking) closeEncoder()
        }
    }

    fun close() {
        synchronized(lock) {
            sending = false
            stopCamera()
            voice?.close()
            voice = null
            closeEncoder()
        }
        controller.cancel()
    }

    override fun onRequest(request: ShellRequest) {
        synchronized(lock) {
            when (request) {
                is ShellRequest.KeyframeNeeded, is ShellRequest.TargetBitrate ->
                    synchronized(encoderLock) { encoder?.onRequest(request) }
                is ShellRequest.SwitchCamera -> {
                    front = !front
                    if (source != null) { stopCamera(); startCamera() }
                }
                is ShellRequest.Torch ->
                    if (source?.setTorch(request.on) == false) Log.i(TAG, "this camera has no torch")
                // The customer's preview goes on; the engine sends nothing while paused.
                is ShellRequest.VideoPaused -> Unit
            }
        }
    }

    private fun startCamera() {
        val camera = Media.frameSourceFactory(context)
        source = camera
        camera.start(front) { frame -> onFrame(camera, frame) }
        // Core offers Torch and Switch camera only where this camera has them, and asks for
        // the torch again when this camera has one and its switch is on.
        session.act(Intent.CameraOpened(camera.hasTorch, camera.hasOtherCamera))
        Media.previewListener = { camera.previewChanged() }
    }

    private fun stopCamera() {
        Media.previewListener = null
        source?.stop()
        source = null
    }

    /** On the camera's thread: one picture to the engine or to the hardware encoder. */
    private fun onFrame(camera: FrameSource, frame: YuvFrame) {
        val rotation = Orientation.uprightRotation(camera.sensorOrientation, Orientation.displayDegrees(context), camera.frontFacing)
        try {
            val codecName = Media.hardwareEncoder
            if (codecName == null) return pusher.push(frame, rotation)
            // While every technician's browser turns pictures for display (the engine knows),
            // the encoder takes them as the sensor lies: no turn here, and no new encoder when
            // the phone turns. Otherwise they are turned upright on the way in.
            val turn = if (session.receiversTurnPictures()) 0 else rotation
            // Checked under the lock: onScreen() clears it before closing the encoder.
            synchronized(encoderLock) {
                if (sending) encoderFor(codecName, frame, turn).encode(frame, turn, rotation - turn)
            }
        } catch (e: Exception) {
            // A bad frame costs that frame; say so a few times, not thirty times a second.
            if (refusals++ < 10) Log.w(TAG, "frame not sent", e)
        }
    }

    /** The encoder for this frame's size once turned [turn] degrees: a new size needs a new one. */
    private fun encoderFor(codecName: String, frame: YuvFrame, turn: Int): HardwareH264 {
        val (w, h) = if (turn % 180 == 0) frame.width to frame.height else frame.height to frame.width
        encoder?.takeIf { it.width == w && it.height == h }?.let { return it }
        encoder?.close()
        return HardwareH264(session, codecName, w, h).also { encoder = it }
    }

    private fun closeEncoder() = synchronized(encoderLock) {
        encoder?.close()
        encoder = null
    }

    private companion object {
        const val TAG = "Lens"
    }
}
