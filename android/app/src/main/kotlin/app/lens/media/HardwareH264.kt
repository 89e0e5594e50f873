package app.lens.media

import android.media.*
import android.media.MediaCodecInfo.CodecCapabilities
import android.media.MediaCodecInfo.CodecProfileLevel
import android.os.Build
import android.os.Bundle
import android.util.Log
import java.nio.Buffer
import java.nio.ByteBuffer
import uniffi.lens_engine.PixelFormat
import uniffi.lens_engine.ShellRequest
import uniffi.lens_ffi.LensSession

/**
 * The device's H.264 encoder: camera pictures in, turned on the way as [MediaCapture] says
 * (not at all while every technician's browser turns them for display), Annex B access units
 * out to `pushH264` with the turn their picture still needs, SPS and PPS in front of every
 * keyframe. Created for one size; [MediaCapture] makes a new one when the size changes.
 */
class HardwareH264(private val session: LensSession, codecName: String, val width: Int, val height: Int) {
    private val codec = MediaCodec.createByCodecName(codecName)
    @Volatile private var running = true
    /** SPS and PPS from the BUFFER_FLAG_CODEC_CONFIG output, prepended to every keyframe. */
    private var config: ByteBuffer = ByteBuffer.allocateDirect(0)
    private var keyframe: ByteBuffer = ByteBuffer.allocateDirect(0)
    private val drain = Thread(::drainOutput, "lens-h264")
    private val turnsLeft = TurnsLeft()

    init {
        val format = MediaFormat.createVideoFormat(MediaFormat.MIMETYPE_VIDEO_AVC, width, height).apply {
            setInteger(MediaFormat.KEY_COLOR_FORMAT, CodecCapabilities.COLOR_FormatYUV420Flexible)
            setInteger(MediaFormat.KEY_BIT_RATE, START_BITRATE)
            setInteger(MediaFormat.KEY_FRAME_RATE, Media.FPS)
            // Keyframes come when the engine asks (a new receiver, PLI, a lost unit).
            setInteger(MediaFormat.KEY_I_FRAME_INTERVAL, 10)
            setInteger(MediaFormat.KEY_PROFILE, CodecProfileLevel.AVCProfileBaseline)
            setInteger(MediaFormat.KEY_LEVEL, CodecProfileLevel.AVCLevel31)
        }
        codec.configure(format, null, null, MediaCodec.CONFIGURE_FLAG_ENCODE)
        codec.start()
        drain.start()
    }

    /**
     * Copies [frame] turned [turn] degrees into an input buffer; drops it when none is free.
     * [turnLeft] is the turn its access unit tells the receiver to make.
     */
    fun encode(frame: YuvFrame, turn: Int, turnLeft: Int) {
        val index = codec.dequeueInputBuffer(0)
        if (index < 0) return
        val image = codec.getInputImage(index) ?: return codec.queueInputBuffer(index, 0, 0, 0, 0)
        val (w, h) = frame.width to frame.height
        copyPlane(frame.y, frame.yRowStride, 1, w, h, image.planes[0], turn)
        copyChroma(frame.u, frame.v, frame.uvRowStride, frame.uvPixelStride, w / 2, h / 2, image.planes[1], image.planes[2], turn)
        val timestampUs = frame.timestampNs / 1_000
        turnsLeft.queued(timestampUs, turnLeft)
        codec.queueInputBuffer(index, 0, width * height * 3 / 2, timestampUs, 0)
    }

    fun onRequest(request: ShellRequest) {
        val params = Bundle()
        when (request) {
            is ShellRequest.KeyframeNeeded -> params.putInt(MediaCodec.PARAMETER_KEY_REQUEST_SYNC_FRAME, 0)
            is ShellRequest.TargetBitrate -> params.putInt(MediaCodec.PARAMETER_KEY_VIDEO_BITRATE, request.bps.toInt())
            else -> return
        }
        codec.setParameters(params)
    }

    fun close() {
        running = false
        drain.join()
        codec.stop()
        codec.release()
    }

    private fun drainOutput() {
        val info = MediaCodec.BufferInfo()
        while (running) {
            val index = codec.dequeueOutputBuffer(info, 10_000)
            if (index < 0) continue
            val out = codec.getOutputBuffer(index)!!
            out.position(info.offset).limit(info.offset + info.size)
            when {
                info.flags and MediaCodec.BUFFER_FLAG_CODEC_CONFIG != 0 ->
                    config = ByteBuffer.allocateDirect(info.size).put(out).apply { flip() }
                info.size > 0 -> push(out, info.flags and MediaCodec.BUFFER_FLAG_KEY_FRAME != 0, info.presentationTimeUs)
            }
            codec.releaseOutputBuffer(index, false)
        }
    }

    private fun push(unit: ByteBuffer, isKey: Boolean, timestampUs: Long) {
        // The glue reads from a buffer's start, not its position: hand over position-0 views.
        val au = if (isKey) {
            val size = config.remaining() + unit.remaining()
            if (keyframe.capacity() < size) keyframe = ByteBuffer.allocateDirect(size * 2)
            keyframe.clear()
            keyframe.put(config.duplicate()).put(unit).flip()
            keyframe
        } else {
            unit.slice()
        }
        try {
            session.pushH264(au, isKey, timestampUs.toULong(), turnsLeft.out(timestampUs).toUInt())
        } catch (e: Exception) {
            Log.w("Lens", "access unit refused", e)
        }
    }

    companion object {
        /** Where the engine's first bitrate would be for 720p30; the engine's requests follow. */
        private const val START_BITRATE = 2_500_000

        /**
         * A hardware encoder that makes the engine's `profile-level-id=42e01f` (constrained
         * baseline, level 3.1: 720p30) from flexible YUV input, at the size upright either way
         * round; null when the phone has none and openh264 encodes instead.
         */
        fun findEncoder(width: Int, height: Int, fps: Int): String? =
            MediaCodecList(MediaCodecList.REGULAR_CODECS).codecInfos.firstOrNull { info ->
                info.isEncoder && hardware(info) &&
                    info.supportedTypes.any { it.equals(MediaFormat.MIMETYPE_VIDEO_AVC, ignoreCase = true) } &&
                    info.getCapabilitiesForType(MediaFormat.MIMETYPE_VIDEO_AVC).let { caps ->
                        caps.profileLevels.any { baseline(it.profile) && it.level >= CodecProfileLevel.AVCLevel31 } &&
                            CodecCapabilities.COLOR_FormatYUV420Flexible in caps.colorFormats &&
                            caps.videoCapabilities?.let {
                                it.areSizeAndRateSupported(width, height, fps.toDouble()) &&
                                    it.areSizeAndRateSupported(height, width, fps.toDouble())
                            } != false
                    }
            }?.name

        private fun baseline(profile: Int) = profile == CodecProfileLevel.AVCProfileBaseline ||
            (Build.VERSION.SDK_INT >= 27 && profile == CodecProfileLevel.AVCProfileConstrainedBaseline)

        /** Software encoders are no cheaper than openh264 in the engine, which adapts better. */
        private fun hardware(info: MediaCodecInfo) =
            if (Build.VERSION.SDK_INT >= 29) info.isHardwareAccelerated
            else !info.name.startsWith("OMX.google.") && !info.name.startsWith("c2.android.")
    }
}

/**
 * The turn each picture in the encoder still needs, from the camera's thread that queues it
 * to the drain thread that pushes its access unit, matched by presentation time (the encoder
 * keeps it; pictures come out in order, or not at all when its rate control skips one).
 */
internal class TurnsLeft {
    private val pending = ArrayDeque<Pair<Long, Int>>()

    fun queued(timestampUs: Long, turn: Int) = synchronized(pending) { pending.addLast(timestampUs to turn) }

    /** The turn of the picture out at [timestampUs]; older ones were skipped and are forgotten. */
    fun out(timestampUs: Long): Int = synchronized(pending) {
        while (pending.isNotEmpty() && pending.first().first < timestampUs) pending.removeFirst()
        if (pending.firstOrNull()?.first == timestampUs) pending.removeFirst().second else 0
    }
}

/**
 * Copies a `w`x`h` plane (`pixel` bytes between samples, `row` between rows) into [dst],
 * turned [rotation] degrees clockwise. A plane that needs no turn and is packed on both sides
 * (the luma of a phone held the way its sensor is mounted) goes row by row, a bulk copy each:
 * 8 to 10 times faster on the JVM than a call per byte (`make bench-android`). Anything else
 * walks the source with steps chosen per rotation, so the per-pixel loop allocates nothing.
 */
internal fun copyPlane(src: ByteBuffer, row: Int, pixel: Int, w: Int, h: Int, dst: Image.Plane, rotation: Int) {
    if (rotation == 0 && pixel == 1 && dst.pixelStride == 1) return copyRows(src, row, dst.buffer, dst.rowStride, w, h)
    val (base, dx, dy) = when (rotation) {
        90 -> Triple((h - 1) * row, -row, pixel)
        180 -> Triple((h - 1) * row + (w - 1) * pixel, -pixel, -row)
        270 -> Triple((w - 1) * pixel, row, -pixel)
        else -> Triple(0, pixel, row)
    }
    val (dw, dh) = if (rotation % 180 == 0) w to h else h to w
    val out = dst.buffer
    val (dRow, dPixel) = dst.rowStride to dst.pixelStride
    for (y in 0 until dh) {
        var from = base + y * dy
        var to = y * dRow
        for (x in 0 until dw) {
            out.put(to, src.get(from))
            from += dx
            to += dPixel
        }
    }
}

/**
 * Copies the two `w`x`h` chroma planes [u] and [v] into [dstU] and [dstV], turned [rotation]
 * degrees clockwise. When nothing turns and both sides interleave U and V in the same order
 * (NV12 into NV12, or NV21 into NV21: a camera and a semi-planar encoder on the same chip
 * usually agree), the pair is one plane of interleaved bytes and goes row by row in bulk, as
 * the luma does (`make bench-android`). Anything else goes plane by plane.
 */
internal fun copyChroma(
    u: ByteBuffer, v: ByteBuffer, row: Int, pixel: Int, w: Int, h: Int,
    dstU: Image.Plane, dstV: Image.Plane, rotation: Int,
) {
    val layout = if (rotation == 0 && pixel == 2 && dstU.pixelStride == 2) ChromaLayout.detect(u, v, 2) else null
    if (layout != null && layout == ChromaLayout.detect(dstU.buffer, dstV.buffer, 2)) {
        // Each plane's buffer ends at its own last sample, so a row read from the plane that
        // comes first in memory stops one byte short of the other plane's last sample.
        val nv12 = layout == PixelFormat.NV12
        val (first, second) = if (nv12) u to v else v to u
        val (dstFirst, dstSecond) = if (nv12) dstU.buffer to dstV.buffer else dstV.buffer to dstU.buffer
        val dstRow = dstU.rowStride
        copyRows(first, row, dstFirst, dstRow, 2 * w - 1, h)
        for (y in 0 until h) dstSecond.put(y * dstRow + 2 * (w - 1), second.get(y * row + 2 * (w - 1)))
        return
    }
    copyPlane(u, row, pixel, w, h, dstU, rotation)
    copyPlane(v, row, pixel, w, h, dstV, rotation)
}

/** [h] rows of [w] bytes from [src] into [dst], each one bulk copy. */
private fun copyRows(src: ByteBuffer, srcRow: Int, dst: ByteBuffer, dstRow: Int, w: Int, h: Int) {
    val from = src.duplicate()
    val to = dst.duplicate()
    // Positions are set through Buffer: ByteBuffer's own overrides of position and limit
    // (Java 9) are missing on some of the Android versions the app runs on (from API 24).
    val fromWindow: Buffer = from
    val toWindow: Buffer = to
    for (y in 0 until h) {
        fromWindow.limit(y * srcRow + w)
        fromWindow.position(y * srcRow)
        toWindow.position(y * dstRow)
        to.put(from)
    }
}
