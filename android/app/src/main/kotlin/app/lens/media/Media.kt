package app.lens.media

import android.content.Context
import android.graphics.SurfaceTexture
import uniffi.lens_engine.AudioSourceConfig
import uniffi.lens_engine.VideoSourceConfig

/**
 * What the session is configured with for the phone's media, and the seams the screens and
 * the tests set. SessionController builds `SessionOptions(video = videoConfig(context),
 * audio = audioConfig)`; MediaCapture then feeds whichever path was chosen.
 */
object Media {
    /** The size asked of the camera: the top of the engine's resolution ladder (720p30). */
    const val WIDTH = 1280
    const val HEIGHT = 720
    const val FPS = 30

    /**
     * The device's H.264 encoder when it makes what the engine offers (constrained baseline,
     * 720p30): the phone then sends hardware-encoded access units and the engine does not
     * encode; otherwise the engine encodes the pushed frames with openh264.
     */
    fun videoConfig(@Suppress("UNUSED_PARAMETER") context: Context): VideoSourceConfig {
        hardwareEncoder = HardwareH264.findEncoder(WIDTH, HEIGHT, FPS)
        return if (hardwareEncoder != null) {
            VideoSourceConfig.PushedH264(WIDTH.toUInt(), HEIGHT.toUInt(), FPS.toUInt())
        } else {
            VideoSourceConfig.Pushed(WIDTH.toUInt(), HEIGHT.toUInt(), FPS.toUInt())
        }
    }

    /** The encoder [videoConfig] chose for the session: MediaCapture feeds the same path. */
    @Volatile var hardwareEncoder: String? = null
        private set

    /** The microphone is read by [Microphone] and pushed: the platform's echo canceller works on it. */
    val audioConfig: AudioSourceConfig = AudioSourceConfig.Pushed

    /** Where pictures come from: Camera2 on a phone; a test replaces it (Robolectric has no camera). */
    @Volatile var frameSourceFactory: (Context) -> FrameSource = { Camera2Source(it) }

    /**
     * The preview TextureView's SurfaceTexture, set by the UI when it becomes available and
     * cleared when it is destroyed. The running camera restarts its capture session to draw
     * into the new one. Camera2 applies the sensor's rotation and the front camera's mirror
     * to a SurfaceTexture itself, so the preview looks like a mirror while the sent picture
     * (from the ImageReader) stays unmirrored.
     */
    @Volatile var previewTexture: SurfaceTexture? = null
        set(value) { field = value; previewListener?.invoke() }

    /** The running capture's hook for a new [previewTexture]. */
    @Volatile internal var previewListener: (() -> Unit)? = null
}
