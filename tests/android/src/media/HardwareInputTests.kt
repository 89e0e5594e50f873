// What the phone's hardware H.264 encoder is given (HardwareH264): the camera's planes copied
// into the encoder's input image, turned upright on the way, whatever the camera's and the
// encoder's layouts. The console shows what the encoder got, so a plane turned the wrong way,
// or a chroma byte written over its neighbour, is what the technician would see.

package app.lens.media

import android.media.Image
import java.nio.ByteBuffer
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class HardwareInputTests {
    /** A sensor plane wider than high, so that a turn the wrong way cannot go unnoticed. */
    private val w = 10
    private val h = 6

    /** A different value for nearly every pixel (none repeats within a 10x6 plane). */
    private fun value(x: Int, y: Int) = (1 + x * 7 + y * 71) and 0xff

    /** The camera's plane: [pixel] bytes between samples, each row padded to [row] bytes. */
    private fun cameraPlane(pixel: Int, row: Int): ByteBuffer {
        val buffer = ByteBuffer.allocateDirect((h - 1) * row + (w - 1) * pixel + 1)
        for (y in 0 until h) for (x in 0 until w) buffer.put(y * row + x * pixel, value(x, y).toByte())
        return buffer
    }

    /** An encoder's input plane over [buffer], as MediaCodec's `getInputImage` hands it out. */
    private fun encoderPlane(buffer: ByteBuffer, row: Int, pixel: Int) = object : Image.Plane() {
        override fun getRowStride() = row
        override fun getPixelStride() = pixel
        override fun getBuffer() = buffer
    }

    /**
     * The upright picture's pixel (x, y) is the sensor's pixel it came from when the sensor's
     * picture is turned [rotation] degrees clockwise.
     */
    private fun sensorPixelFor(x: Int, y: Int, rotation: Int) = when (rotation) {
        0 -> x to y
        90 -> y to h - 1 - x
        180 -> w - 1 - x to h - 1 - y
        270 -> w - 1 - y to x
        else -> error("rotation $rotation")
    }

    @Test
    fun `every rotation and layout puts each camera pixel where the upright picture has it`() {
        for (rotation in listOf(0, 90, 180, 270)) for (cameraPixel in listOf(1, 2)) for (encoderPixel in listOf(1, 2)) {
            val (cameraRow, encoderRow) = w * cameraPixel + 3 to h.coerceAtLeast(w) * encoderPixel + 5
            val (uw, uh) = if (rotation % 180 == 0) w to h else h to w
            val out = ByteBuffer.allocateDirect(uh * encoderRow)
            copyPlane(cameraPlane(cameraPixel, cameraRow), cameraRow, cameraPixel, w, h, encoderPlane(out, encoderRow, encoderPixel), rotation)
            val case = "turned $rotation°, camera pixel stride $cameraPixel, encoder pixel stride $encoderPixel"
            for (y in 0 until uh) for (x in 0 until uw) {
                val (sx, sy) = sensorPixelFor(x, y, rotation)
                assertEquals("$case: upright ($x, $y)", value(sx, sy), out.get(y * encoderRow + x * encoderPixel).toInt() and 0xff)
            }
        }
    }

    @Test
    fun `interleaved chroma planes of the encoder each keep the other's bytes`() {
        // Semi-planar input (NV12), as most hardware encoders take it: U and V are views of one
        // buffer one byte apart, so writing one plane must leave every byte of the other alone.
        val (row, rotation) = 2 * h + 4 to 90
        val shared = ByteBuffer.allocateDirect(w * row)
        val u = encoderPlane(shared.duplicate().slice(), row, 2)
        val v = encoderPlane(shared.duplicate().apply { position(1) }.slice(), row, 2)
        val camera = cameraPlane(1, w)
        val inverted = ByteBuffer.allocateDirect(camera.capacity())
        for (i in 0 until camera.capacity()) inverted.put(i, (camera.get(i).toInt() xor 0xff).toByte())
        copyPlane(camera, w, 1, w, h, u, rotation)
        copyPlane(inverted, w, 1, w, h, v, rotation)
        for (y in 0 until w) for (x in 0 until h) {
            val (sx, sy) = sensorPixelFor(x, y, rotation)
            assertEquals("U at upright ($x, $y)", value(sx, sy), shared.get(y * row + 2 * x).toInt() and 0xff)
            assertEquals("V at upright ($x, $y)", value(sx, sy) xor 0xff, shared.get(y * row + 2 * x + 1).toInt() and 0xff)
        }
    }

    /**
     * Chroma planes laid out as [layout] says over [row]-byte rows, each buffer ending at its
     * own last sample as a camera's and an encoder's do: I420 two buffers of their own, NV12
     * and NV21 two views one byte apart of one interleaved buffer ([fill] in every byte).
     */
    private fun chromaPlanes(layout: String, pw: Int, ph: Int, row: Int, fill: Int): Pair<ByteBuffer, ByteBuffer> {
        fun view(of: ByteBuffer, from: Int, pixel: Int): ByteBuffer =
            of.duplicate().apply { position(from); limit(from + (ph - 1) * row + (pw - 1) * pixel + 1) }.slice()
        if (layout == "I420") {
            val (u, v) = ByteBuffer.allocateDirect(ph * row) to ByteBuffer.allocateDirect(ph * row)
            for (i in 0 until ph * row) { u.put(i, fill.toByte()); v.put(i, fill.toByte()) }
            return view(u, 0, 1) to view(v, 0, 1)
        }
        val shared = ByteBuffer.allocateDirect(ph * row)
        for (i in 0 until ph * row) shared.put(i, fill.toByte())
        val (uAt, vAt) = if (layout == "NV12") 0 to 1 else 1 to 0
        return view(shared, uAt, 2) to view(shared, vAt, 2)
    }

    @Test
    fun `chroma reaches the encoder whatever the camera's and the encoder's interleaving`() {
        val untouched = 0x55 // no U or V value below is 0x55
        for (rotation in listOf(0, 90)) for (camera in listOf("I420", "NV12", "NV21")) for (encoder in listOf("I420", "NV12", "NV21")) {
            val (cameraPixel, encoderPixel) = (if (camera == "I420") 1 else 2) to (if (encoder == "I420") 1 else 2)
            val cameraRow = w * cameraPixel + 3
            val (u, v) = chromaPlanes(camera, w, h, cameraRow, 0)
            for (y in 0 until h) for (x in 0 until w) {
                u.put(y * cameraRow + x * cameraPixel, value(x, y).toByte())
                v.put(y * cameraRow + x * cameraPixel, (value(x, y) xor 0xff).toByte())
            }
            val (uw, uh) = if (rotation % 180 == 0) w to h else h to w
            val encoderRow = uw * encoderPixel + 5
            val (outU, outV) = chromaPlanes(encoder, uw, uh, encoderRow, untouched)
            copyChroma(u, v, cameraRow, cameraPixel, w, h,
                encoderPlane(outU, encoderRow, encoderPixel), encoderPlane(outV, encoderRow, encoderPixel), rotation)
            val case = "turned $rotation°, camera $camera, encoder $encoder"
            for (plane in listOf(outU, outV)) for (i in 0 until plane.limit()) {
                // Row padding is read through the plane that starts first in memory: in the
                // other's view the end of a row is the first plane's next row.
                val first = encoder == "I420" || (encoder == "NV12") == (plane === outU)
                val (x, y) = (i % encoderRow) / encoderPixel to i / encoderRow
                val sample = i % encoderRow % encoderPixel == 0 && x < uw
                val expected = when {
                    !sample -> null // the other plane's byte, or row padding: checked there
                    else -> sensorPixelFor(x, y, rotation).let { (sx, sy) -> value(sx, sy) }
                        .let { if (plane === outV) it xor 0xff else it }
                }
                if (expected != null) assertEquals("$case: ${if (plane === outU) "U" else "V"} at upright ($x, $y)",
                    expected, plane.get(i).toInt() and 0xff)
                else if (first && x >= uw) assertEquals("$case: padding byte $i", untouched, plane.get(i).toInt() and 0xff)
            }
        }
    }

    @Test
    fun eachAccessUnitSaysTheTurnItsPictureWasQueuedWith() {
        // The phone turns from upright to landscape while two pictures are in the encoder;
        // the encoder's rate control skips the one at 2000 µs.
        val turns = TurnsLeft()
        turns.queued(1_000, 90)
        turns.queued(2_000, 90)
        turns.queued(3_000, 0)
        assertEquals(90, turns.out(1_000))
        assertEquals("the skipped picture's turn is not the next one's", 0, turns.out(3_000))
        assertEquals("nothing queued: no turn", 0, turns.out(4_000))
    }
}
