package app.lens.media

import android.content.Context
import android.graphics.ImageFormat
import android.hardware.camera2.*
import android.media.ImageReader
import android.os.Handler
import android.os.HandlerThread
import android.util.Log
import android.util.Size
import android.view.Surface
import java.util.concurrent.Semaphore
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.math.abs

/**
 * The phone's camera through Camera2: an ImageReader in `YUV_420_888` for the frames pushed
 * to the engine, and the preview's SurfaceTexture when the screen has one. Everything runs on
 * the camera's own HandlerThread.
 */
class Camera2Source(context: Context) : FrameSource {
    private val manager = context.getSystemService(CameraManager::class.java)
    private var thread: HandlerThread? = null
    private var handler: Handler? = null
    private var device: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var reader: ImageReader? = null
    private var preview: Surface? = null
    private var torch = false
    @Volatile private var hasFlash = false
    /** Held while the camera is opening: stop() waits for the open to finish, because a device
     * delivered to a camera thread that has already quit would stay open (Camera2Basic's lock). */
    private val opening = Semaphore(1)
    private val openPending = AtomicBoolean(false)

    @Volatile override var sensorOrientation = 0
        private set
    @Volatile override var frontFacing = false
        private set
    @Volatile override var hasOtherCamera = false
        private set
    override val hasTorch get() = hasFlash

    override fun start(front: Boolean, sink: FrameSink) {
        // An earlier open that never answered still holds the camera: leave it to that one.
        if (!opening.tryAcquire(OPEN_TIMEOUT_S, TimeUnit.SECONDS)) {
            Log.w(TAG, "the camera is still opening")
            return
        }
        val facing = if (front) CameraCharacteristics.LENS_FACING_FRONT else CameraCharacteristics.LENS_FACING_BACK
        val id = manager.cameraIdList.firstOrNull {
            manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == facing
        } ?: manager.cameraIdList.firstOrNull() ?: run { Log.w(TAG, "no camera"); opening.release(); return }
        val characteristics = manager.getCameraCharacteristics(id)
        sensorOrientation = characteristics.get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 0
        frontFacing = characteristics.get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_FRONT
        hasFlash = characteristics.get(CameraCharacteristics.FLASH_INFO_AVAILABLE) == true
        val chosen = characteristics.get(CameraCharacteristics.LENS_FACING)
        hasOtherCamera = manager.cameraIdList.any {
            manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) != chosen
        }
        val size = closestSize(characteristics.get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP)
            ?.getOutputSizes(ImageFormat.YUV_420_888).orEmpty())
        val thread = HandlerThread("lens-camera").also { it.start(); this.thread = it }
        val handler = Handler(thread.looper).also { this.handler = it }
        reader = ImageReader.newInstance(size.width, size.height, ImageFormat.YUV_420_888, 3).apply {
            setOnImageAvailableListener({ r ->
                val image = r.acquireLatestImage() ?: return@setOnImageAvailableListener
                try {
                    val (y, u, v) = image.planes
                    sink.onFrame(YuvFrame(image.width, image.height, y.buffer, y.rowStride, u.buffer, v.buffer,
                        u.rowStride, u.pixelStride, image.timestamp))
                } finally {
                    image.close()
                }
            }, handler)
        }
        openPending.set(true)
        try {
            manager.openCamera(id, object : CameraDevice.StateCallback() {
                override fun onOpened(camera: CameraDevice) {
                    device = camera
                    openFinished()
                    startSession()
                }
                override fun onDisconnected(camera: CameraDevice) {
                    camera.close()
                    openFinished()
                }
                override fun onError(camera: CameraDevice, error: Int) {
                    Log.w(TAG, "camera error $error")
                    camera.close()
                    openFinished()
                }
            }, handler)
        } catch (e: Exception) {
            // SecurityException: the permission was revoked after the permission screen;
            // CameraAccessException: another app holds the camera or policy disables it.
            Log.w(TAG, "the camera could not be opened", e)
            openFinished()
        }
    }

    /** The open's one answer (a device lost later calls onDisconnected again). */
    private fun openFinished() {
        if (openPending.compareAndSet(true, false)) opening.release()
    }

    /** A capture session for the reader and, when the screen has one, the preview. */
    private fun startSession() {
        val camera = device ?: return
        val reader = reader ?: return
        session?.close()
        preview?.release()
        preview = Media.previewTexture?.let { texture ->
            texture.setDefaultBufferSize(reader.width, reader.height)
            Surface(texture)
        }
        val targets = listOfNotNull(reader.surface, preview)
        @Suppress("DEPRECATION") // the List<Surface> form is the one minSdk 24 has
        camera.createCaptureSession(targets, object : CameraCaptureSession.StateCallback() {
            override fun onConfigured(s: CameraCaptureSession) {
                session = s
                repeat()
            }
            override fun onConfigureFailed(s: CameraCaptureSession) {
                Log.w(TAG, "capture session refused")
            }
        }, handler)
    }

    private fun repeat() {
        val s = session ?: return
        val request = s.device.createCaptureRequest(CameraDevice.TEMPLATE_RECORD).apply {
            addTarget(reader!!.surface)
            preview?.let { addTarget(it) }
            set(CaptureRequest.FLASH_MODE, if (torch) CaptureRequest.FLASH_MODE_TORCH else CaptureRequest.FLASH_MODE_OFF)
        }.build()
        try {
            s.setRepeatingRequest(request, null, handler)
        } catch (e: IllegalStateException) {
            Log.w(TAG, "capture session closed", e) // stop() raced this call
        }
    }

    override fun setTorch(on: Boolean): Boolean {
        if (!hasFlash) return false
        handler?.post { torch = on; repeat() }
        return true
    }

    override fun previewChanged() {
        handler?.post { startSession() }
    }

    override fun stop() {
        val h = handler ?: return
        val opened = opening.tryAcquire(OPEN_TIMEOUT_S, TimeUnit.SECONDS)
        h.post {
            session?.close(); session = null
            device?.close(); device = null
            reader?.close(); reader = null
            preview?.release(); preview = null
            torch = false
        }
        thread?.quitSafely()
        thread?.join()
        thread = null
        handler = null
        if (opened) opening.release()
    }

    /** The supported size nearest 720p in area with the same 16:9 shape preferred. */
    private fun closestSize(sizes: Array<out Size>): Size =
        sizes.minByOrNull {
            abs(it.width * it.height - Media.WIDTH * Media.HEIGHT) +
                if (it.width * Media.HEIGHT == it.height * Media.WIDTH) 0 else Media.WIDTH * Media.HEIGHT / 4
        } ?: Size(Media.WIDTH, Media.HEIGHT)

    private companion object {
        const val TAG = "Lens"
        const val OPEN_TIMEOUT_S = 3L
    }
}
