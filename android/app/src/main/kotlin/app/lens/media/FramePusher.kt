package app.lens.media

import com.sun.jna.Native
import com.sun.jna.Pointer
import java.nio.ByteBuffer
import uniffi.lens_engine.PixelFormat
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.VideoFrameInfo

/** How the chroma of a `YUV_420_888` picture lies in memory, for handing it over without a copy. */
object ChromaLayout {
    /**
     * I420 when U and V are planes of their own (pixel stride 1). With a pixel stride of 2 the
     * two buffers are usually views of one interleaved plane, one byte apart: U first is NV12,
     * V first NV21. Null when neither holds (separate interleaved buffers): the picture must
     * be repacked.
     */
    fun detect(u: ByteBuffer, v: ByteBuffer, pixelStride: Int): PixelFormat? = when (pixelStride) {
        1 -> PixelFormat.I420
        2 -> when (address(v) - address(u)) {
            1L -> PixelFormat.NV12
            -1L -> PixelFormat.NV21
            else -> null
        }
        else -> null
    }

    private fun address(buffer: ByteBuffer): Long =
        Pointer.nativeValue(Native.getDirectBufferPointer(buffer)) + buffer.position()
}

/**
 * Pushes camera pictures as they are (the engine converts and turns them with SIMD code).
 * The generated glue passes a buffer's base address with its `remaining()` length, so every
 * plane handed over starts at position 0.
 */
class FramePusher(private val session: LensSession) {
    private val empty = ByteBuffer.allocateDirect(0)
    /** I420 planes for the rare camera whose chroma fits no layout the engine reads; reused. */
    private var packedU: ByteBuffer = empty
    private var packedV: ByteBuffer = empty

    fun push(frame: YuvFrame, rotationDegrees: Int) {
        val format = ChromaLayout.detect(frame.u, frame.v, frame.uvPixelStride)
        val (plane1, plane2, stride1, stride2) = when (format) {
            PixelFormat.I420 -> Planes(frame.u, frame.v, frame.uvRowStride, frame.uvRowStride)
            PixelFormat.NV12 -> Planes(frame.u, empty, frame.uvRowStride, 0)
            PixelFormat.NV21 -> Planes(frame.v, empty, frame.uvRowStride, 0)
            else -> pack(frame)
        }
        val info = VideoFrameInfo(
            width = frame.width.toUInt(), height = frame.height.toUInt(), format = format ?: PixelFormat.I420,
            stride0 = frame.yRowStride.toUInt(), stride1 = stride1.toUInt(), stride2 = stride2.toUInt(),
            rotationDegrees = rotationDegrees.toUInt(), timestampUs = (frame.timestampNs / 1_000).toULong(),
            // Camera2's YUV_420_888 is JFIF: full-range BT.601 (the camera HAL's contract for
            // YCbCr_420_888). The engine scales it to the limited range its H.264 declares.
            fullRange = true,
        )
        session.pushVideoFrame(frame.y, plane1, plane2, info)
    }

    private data class Planes(val plane1: ByteBuffer, val plane2: ByteBuffer, val stride1: Int, val stride2: Int)

    /** Gathers U and V sample by sample into tightly packed I420 planes. */
    private fun pack(frame: YuvFrame): Planes {
        val (cw, ch) = frame.width / 2 to frame.height / 2
        if (packedU.capacity() != cw * ch) {
            packedU = ByteBuffer.allocateDirect(cw * ch)
            packedV = ByteBuffer.allocateDirect(cw * ch)
        }
        for (row in 0 until ch) for (col in 0 until cw) {
            val at = row * frame.uvRowStride + col * frame.uvPixelStride
            packedU.put(row * cw + col, frame.u.get(at))
            packedV.put(row * cw + col, frame.v.get(at))
        }
        return Planes(packedU, packedV, cw, cw)
    }
}
