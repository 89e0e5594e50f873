// The media decisions that are the app's own (issue 12, Capture): which way the picture must
// turn, which H.264 encoder the phone has, and how a camera's chroma lies in memory. The
// layouts are checked against the real engine: a pushed frame it would refuse counts as
// `refused`, one it takes (before any session is live) as `dropped_not_live`.

package app.lens.media

import android.media.MediaCodecInfo.CodecCapabilities
import android.media.MediaCodecInfo.CodecProfileLevel
import android.media.MediaFormat
import android.view.Display
import android.view.Surface
import android.hardware.display.DisplayManager
import java.nio.ByteBuffer
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.MediaCodecInfoBuilder
import org.robolectric.shadows.MediaCodecInfoBuilder.CodecCapabilitiesBuilder
import org.robolectric.shadows.ShadowMediaCodecList
import uniffi.lens_engine.PixelFormat
import uniffi.lens_engine.VideoSourceConfig
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.SessionOptions

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class MediaDecisionsTests {
    @After
    fun tearDown() = ShadowMediaCodecList.reset()

    @Test
    fun `the picture turns by the sensor's orientation against the display's`() {
        // A phone held upright: the back sensor is mounted turned 90°, the front one 270°.
        assertEquals(90, Orientation.uprightRotation(90, 0, front = false))
        assertEquals(270, Orientation.uprightRotation(270, 0, front = false))
        // Turned a quarter to the left (display ROTATION_90): the back camera's picture is upright.
        assertEquals(0, Orientation.uprightRotation(90, 90, front = false))
        assertEquals(180, Orientation.uprightRotation(90, 270, front = false))
        // The front camera faces the customer: the display's turn adds (the picture is not mirrored).
        assertEquals(270, Orientation.uprightRotation(270, 0, front = true))
        assertEquals(0, Orientation.uprightRotation(270, 90, front = true))
        assertEquals(180, Orientation.uprightRotation(270, 270, front = true))
    }

    @Test
    fun `the display's rotation is read from the default display`() {
        val display = RuntimeEnvironment.getApplication().getSystemService(DisplayManager::class.java).getDisplay(Display.DEFAULT_DISPLAY)
        assertEquals(0, Orientation.displayDegrees(RuntimeEnvironment.getApplication()))
        shadowOf(display).setRotation(Surface.ROTATION_270)
        assertEquals(270, Orientation.displayDegrees(RuntimeEnvironment.getApplication()))
        shadowOf(display).setRotation(Surface.ROTATION_90)
        assertEquals(90, Orientation.displayDegrees(RuntimeEnvironment.getApplication()))
    }

    @Test
    fun `a hardware constrained-baseline encoder for 720p30 makes the phone push H264`() {
        addEncoder("c2.vendor.avc.encoder", hardware = true, CodecProfileLevel.AVCProfileConstrainedBaseline, CodecProfileLevel.AVCLevel4)
        assertEquals(VideoSourceConfig.PushedH264(1280u, 720u, 30u), Media.videoConfig(RuntimeEnvironment.getApplication()))
        assertEquals("c2.vendor.avc.encoder", Media.hardwareEncoder)
    }

    @Test
    fun `without a matching hardware encoder the engine encodes the frames`() {
        // openh264 in the engine beats a software encoder; High-only and level 3.0 (SD) miss the SDP.
        addEncoder("c2.android.avc.encoder", hardware = false, CodecProfileLevel.AVCProfileBaseline, CodecProfileLevel.AVCLevel41)
        addEncoder("c2.vendor.high.encoder", hardware = true, CodecProfileLevel.AVCProfileHigh, CodecProfileLevel.AVCLevel41)
        addEncoder("c2.vendor.sd.encoder", hardware = true, CodecProfileLevel.AVCProfileBaseline, CodecProfileLevel.AVCLevel3)
        // 1280 rows do not fit: a phone held upright sends 720x1280, encoded upright.
        addEncoder("c2.vendor.landscape.encoder", hardware = true, CodecProfileLevel.AVCProfileBaseline,
            CodecProfileLevel.AVCLevel41, maxSize = 1920 to 1088)
        assertEquals(VideoSourceConfig.Pushed(1280u, 720u, 30u), Media.videoConfig(RuntimeEnvironment.getApplication()))
        assertNull(Media.hardwareEncoder)
    }

    @Test
    fun `YUV_420_888 planes are told apart by pixel stride and buffer order`() {
        // One interleaved chroma plane with U and V as views one byte apart, as camera HALs give them.
        val chroma = ByteBuffer.allocateDirect(64)
        val first = chroma.duplicate().slice()
        val second = chroma.duplicate().apply { position(1) }.slice()
        assertEquals(PixelFormat.NV12, ChromaLayout.detect(u = first, v = second, pixelStride = 2))
        assertEquals(PixelFormat.NV21, ChromaLayout.detect(u = second, v = first, pixelStride = 2))
        assertEquals(PixelFormat.I420, ChromaLayout.detect(ByteBuffer.allocateDirect(16), ByteBuffer.allocateDirect(16), 1))
        assertNull(ChromaLayout.detect(ByteBuffer.allocateDirect(32), ByteBuffer.allocateDirect(32), 2))
    }

    @Test
    fun `the engine takes every camera layout as the pusher hands it over`() {
        LensSession("http://127.0.0.1:9", SessionOptions(bindIp = "127.0.0.1", video = VideoSourceConfig.Pushed(64u, 48u, 30u)), NoEula).use { session ->
            val pusher = FramePusher(session)
            for (layout in listOf("nv12", "nv21", "i420", "separate")) {
                pusher.push(PatternFrames.yuv(64, 48, layout), rotationDegrees = 90)
            }
            val stats = session.pushedStats().video
            assertEquals("refused: $stats", 0uL, stats.refused)
            assertEquals("taken and dropped before live: $stats", 4uL, stats.droppedNotLive)
        }
    }

    /** An H.264 encoder taking flexible YUV up to [maxSize] (width to height). */
    private fun addEncoder(name: String, hardware: Boolean, profile: Int, level: Int, maxSize: Pair<Int, Int> = 1920 to 1920) {
        val format = MediaFormat.createVideoFormat(MediaFormat.MIMETYPE_VIDEO_AVC, maxSize.first, maxSize.second)
        val caps = CodecCapabilitiesBuilder.newBuilder().setMediaFormat(format).setIsEncoder(true)
            .setProfileLevels(arrayOf(CodecProfileLevel().apply { this.profile = profile; this.level = level }))
            .setColorFormats(intArrayOf(CodecCapabilities.COLOR_FormatYUV420Flexible)).build()
        ShadowMediaCodecList.addCodec(
            MediaCodecInfoBuilder.newBuilder().setName(name).setIsEncoder(true).setIsHardwareAccelerated(hardware)
                .setIsSoftwareOnly(!hardware).setIsVendor(hardware).setCapabilities(caps).build(),
        )
    }

    private object NoEula : uniffi.lens_ffi.EulaStorage {
        override fun load(): String? = null
        override fun save(data: String) = Unit
    }
}
