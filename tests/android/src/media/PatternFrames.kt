// Camera pictures for tests, in every YUV_420_888 layout a camera HAL hands out, going through
// the app's own FramePusher exactly as Camera2's Images do (padded rows, the interleaved
// chroma's two views one byte apart, full-range JFIF samples). The scene: an orange top-left
// quadrant on light grey, drawn as a sensor mounted `sensorOrientation` degrees turned sees
// it, so only the app's rotation makes it upright again.

package app.lens.media

import java.nio.ByteBuffer
import kotlin.math.roundToInt

object PatternFrames {
    val ORANGE = intArrayOf(240, 140, 20)
    val LIGHT_GREY = intArrayOf(200, 200, 200)
    private const val PAD = 32

    /** `layout`: nv12, nv21, i420, or separate (pixel stride 2 in buffers of their own). */
    fun yuv(width: Int, height: Int, layout: String, sensorOrientation: Int = 0, timestampNs: Long = 0): YuvFrame {
        val marked = { x: Int, y: Int -> uprightMarked(x, y, width, height, sensorOrientation) }
        val (fg, bg) = yuv(ORANGE) to yuv(LIGHT_GREY)
        val yStride = width + PAD
        val y = plane(yStride, height, width) { x, row -> (if (marked(x, row)) fg else bg)[0] }
        val (cw, ch) = width / 2 to height / 2
        val chroma = { x: Int, row: Int, c: Int -> (if (marked(2 * x, 2 * row)) fg else bg)[c] }
        return when (layout) {
            "i420" -> YuvFrame(width, height, y, yStride,
                plane(cw + PAD, ch, cw) { x, r -> chroma(x, r, 1) }, plane(cw + PAD, ch, cw) { x, r -> chroma(x, r, 2) },
                cw + PAD, 1, timestampNs)
            "nv12", "nv21" -> {
                val (first, second) = if (layout == "nv12") 1 to 2 else 2 to 1
                val both = plane(yStride, ch, width) { x, r -> chroma(x / 2, r, if (x % 2 == 0) first else second) }
                val a = both.duplicate().slice()
                val b = both.duplicate().apply { position(1) }.slice()
                if (layout == "nv12") YuvFrame(width, height, y, yStride, a, b, yStride, 2, timestampNs)
                else YuvFrame(width, height, y, yStride, b, a, yStride, 2, timestampNs)
            }
            "separate" -> YuvFrame(width, height, y, yStride,
                plane(yStride, ch, width) { x, r -> chroma(x / 2, r, 1) }, plane(yStride, ch, width) { x, r -> chroma(x / 2, r, 2) },
                yStride, 2, timestampNs)
            else -> error("unknown layout $layout")
        }
    }

    /**
     * Whether sensor pixel (x, y) lies in the upright picture's top-left quadrant: the upright
     * picture is the sensor's turned `sensorOrientation` degrees clockwise.
     */
    private fun uprightMarked(x: Int, y: Int, w: Int, h: Int, sensorOrientation: Int): Boolean {
        val (ux, uy, uw, uh) = when (sensorOrientation) {
            90 -> listOf(h - 1 - y, x, h, w)
            180 -> listOf(w - 1 - x, h - 1 - y, w, h)
            270 -> listOf(y, w - 1 - x, h, w)
            else -> listOf(x, y, w, h)
        }
        return ux < uw / 2 && uy < uh / 2
    }

    /** A direct buffer of `rows` rows `stride` apart, the last row without its padding. */
    private fun plane(stride: Int, rows: Int, rowBytes: Int, sample: (Int, Int) -> Int): ByteBuffer {
        val buffer = ByteBuffer.allocateDirect(stride * (rows - 1) + rowBytes)
        for (row in 0 until rows) for (x in 0 until rowBytes) buffer.put(row * stride + x, sample(x, row).toByte())
        return buffer
    }

    /** JFIF: BT.601 over the full 0–255 range, what Camera2's YUV_420_888 holds. */
    private fun yuv(rgb: IntArray): IntArray {
        val (r, g, b) = Triple(rgb[0].toDouble(), rgb[1].toDouble(), rgb[2].toDouble())
        return doubleArrayOf(
            0.299 * r + 0.587 * g + 0.114 * b,
            128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
            128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
        ).map { it.roundToInt().coerceIn(0, 255) }.toIntArray()
    }
}

/**
 * A back camera whose sensor is mounted turned [sensorOrientation] degrees, delivering the
 * pattern at 30 frames a second on its own thread, as Camera2 does on its HandlerThread.
 */
class PatternCamera(
    override val sensorOrientation: Int = 90,
    private val width: Int = 640,
    private val height: Int = 360,
    private val layout: String = "nv21",
) : FrameSource {
    override val frontFacing = false
    // One back camera without a torch, like a cheap phone's (or a tablet's).
    override val hasTorch = false
    override val hasOtherCamera = false
    @Volatile private var thread: Thread? = null
    @Volatile var frames = 0
        private set

    override fun start(front: Boolean, sink: FrameSink) {
        val pattern = PatternFrames.yuv(width, height, layout, sensorOrientation)
        thread = Thread({
            try {
                while (!Thread.currentThread().isInterrupted) {
                    sink.onFrame(YuvFrame(pattern.width, pattern.height, pattern.y, pattern.yRowStride, pattern.u,
                        pattern.v, pattern.uvRowStride, pattern.uvPixelStride, System.nanoTime()))
                    frames++
                    Thread.sleep(33)
                }
            } catch (_: InterruptedException) {
                // stop()
            }
        }, "pattern-camera").apply { start() }
    }

    override fun stop() {
        thread?.interrupt()
        thread?.join()
        thread = null
    }

    override fun setTorch(on: Boolean) = false
}
