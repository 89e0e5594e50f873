// `make bench-android`: what the app's own Kotlin costs per camera picture on the phone's
// hardware-encoder path (HardwareH264's copy into the encoder's input image). This machine
// has no phone, so it runs on the JVM, where a call per byte is cheaper than on ART: read the
// ratios, not the milliseconds. Each line is the median of 41 runs after 30 to warm up.

package app.lens.media

import android.media.Image
import java.nio.ByteBuffer

private const val WIDTH = 1280
private const val HEIGHT = 720

private fun plane(buffer: ByteBuffer, row: Int, pixel: Int) = object : Image.Plane() {
    override fun getRowStride() = row
    override fun getPixelStride() = pixel
    override fun getBuffer() = buffer
}

private fun medianMs(run: () -> Unit): Double {
    repeat(30) { run() }
    val times = List(41) {
        val start = System.nanoTime()
        run()
        (System.nanoTime() - start) / 1e6
    }
    return times.sorted()[times.size / 2]
}

fun main() {
    val camera = ByteBuffer.allocateDirect(WIDTH * HEIGHT)
    for (i in 0 until WIDTH * HEIGHT) camera.put(i, (i * 31).toByte())
    val encoder = ByteBuffer.allocateDirect(WIDTH * HEIGHT)
    // The same bytes three ways: the luma plane of a 720p picture, upright (a bulk copy per
    // row), turned (a call per byte), and, as the chroma of semi-planar encoders is written
    // from a planar camera, upright into every other byte (a call per byte too).
    val upright = medianMs { copyPlane(camera, WIDTH, 1, WIDTH, HEIGHT, plane(encoder, WIDTH, 1), 0) }
    val turned = medianMs { copyPlane(camera, WIDTH, 1, WIDTH, HEIGHT, plane(encoder, HEIGHT, 1), 90) }
    val half = WIDTH * HEIGHT / 2
    val interleaved = medianMs { copyPlane(camera, WIDTH / 2, 1, WIDTH / 2, HEIGHT, plane(encoder, WIDTH, 2), 0) }
    // The chroma of an NV12 camera into an NV12 encoder, both planes, as HardwareH264 copies
    // it: U and V are views one byte apart of one interleaved buffer on each side.
    val (cw, ch) = WIDTH / 2 to HEIGHT / 2
    fun view(of: ByteBuffer, at: Int): ByteBuffer =
        of.duplicate().apply { position(at); limit(at + (ch - 1) * WIDTH + 2 * (cw - 1) + 1) }.slice()
    val (cameraU, cameraV) = view(camera, 0) to view(camera, 1)
    val (encoderU, encoderV) = plane(view(encoder, 0), WIDTH, 2) to plane(view(encoder, 1), WIDTH, 2)
    val pairPerByte = medianMs {
        copyPlane(cameraU, WIDTH, 2, cw, ch, encoderU, 0)
        copyPlane(cameraV, WIDTH, 2, cw, ch, encoderV, 0)
    }
    val pairInBulk = medianMs { copyChroma(cameraU, cameraV, WIDTH, 2, cw, ch, encoderU, encoderV, 0) }
    println("copy into the hardware encoder's input, a 1280x720 luma plane (JVM):")
    println("  upright, row by row in bulk: %.3f ms".format(upright))
    println("  turned 90 degrees, a call per byte: %.3f ms (%.1fx the bulk copy)".format(turned, turned / upright))
    println("  upright into every other byte (NV12 chroma), %d bytes: %.3f ms (%.1fx the bulk copy, byte for byte)"
        .format(half, interleaved, interleaved * 2 / upright))
    println("the chroma of a 1280x720 picture, NV12 camera into an NV12 encoder, %d bytes (JVM):".format(half))
    println("  plane by plane, a call per byte: %.3f ms".format(pairPerByte))
    println("  both planes as one, row by row in bulk: %.3f ms (%.1fx faster)".format(pairInBulk, pairPerByte / pairInBulk))
}
