package app.lens.media

import java.nio.ByteBuffer

/**
 * One camera picture in YUV 4:2:0 laid out as Camera2's `YUV_420_888` hands it out: a Y
 * plane and U and V planes sharing a row and a pixel stride. Valid only during the
 * [FrameSink] call that receives it (the camera reuses its buffers).
 */
class YuvFrame(
    val width: Int, val height: Int,
    val y: ByteBuffer, val yRowStride: Int,
    val u: ByteBuffer, val v: ByteBuffer, val uvRowStride: Int, val uvPixelStride: Int,
    /** Capture time on the monotonic clock (`Image.timestamp`), in nanoseconds. */
    val timestampNs: Long,
)

fun interface FrameSink {
    fun onFrame(frame: YuvFrame)
}

/**
 * A camera. [Camera2Source] on phones; tests put a pattern in its place, so everything after
 * the camera (layout detection, rotation, encoding, pushing) runs the same in both.
 */
interface FrameSource {
    /** Degrees the sensor's picture is turned from the device's natural orientation. */
    val sensorOrientation: Int
    val frontFacing: Boolean
    /** Whether the camera [start] opened has a torch (front cameras have none). */
    val hasTorch: Boolean
    /** Whether the phone has a camera facing the other way, for Switch camera. */
    val hasOtherCamera: Boolean

    /**
     * Delivers frames of about [Media.WIDTH]x[Media.HEIGHT] to [sink] on the source's own
     * thread until [stop]. [front] picks the front camera where there is one.
     */
    fun start(front: Boolean, sink: FrameSink)
    fun stop()

    /** False where this camera has no torch. */
    fun setTorch(on: Boolean): Boolean

    /** Called when [Media.previewTexture] changes; a source without a preview ignores it. */
    fun previewChanged() {}
}
