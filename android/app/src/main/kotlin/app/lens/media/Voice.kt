package app.lens.media

import android.content.Context
import android.media.*
import android.media.audiofx.*
import android.os.Build
import android.util.Log
import java.nio.ByteBuffer
import java.nio.ByteOrder
import uniffi.lens_ffi.LensSession

/**
 * The call's sound: the microphone pushed to the engine and the technician's voice played,
 * each on a thread of its own, from [start] until [close].
 */
class Voice(context: Context, private val session: LensSession) {
    private val audioManager = context.getSystemService(AudioManager::class.java)
    @Volatile private var running = true
    private val microphone = Thread({ guarded("microphone", ::record) }, "lens-microphone")
    private val speaker = Thread({ guarded("speaker", ::play) }, "lens-speaker")
    private val previousMode = audioManager.mode

    fun start() {
        // The communication mode routes the echo canceller's reference and the voice stream.
        audioManager.mode = AudioManager.MODE_IN_COMMUNICATION
        setSpeakerphone(true)
        microphone.start()
        speaker.start()
    }

    fun close() {
        running = false
        microphone.join()
        speaker.join()
        setSpeakerphone(false)
        audioManager.mode = previousMode
    }

    /** 48 kHz mono 16-bit in 20 ms reads, with the platform's echo canceller and noise suppressor. */
    private fun record() {
        val blockBytes = RATE / 50 * 2
        val record = try {
            AudioRecord(MediaRecorder.AudioSource.VOICE_COMMUNICATION, RATE, AudioFormat.CHANNEL_IN_MONO,
                AudioFormat.ENCODING_PCM_16BIT,
                maxOf(blockBytes * 4, AudioRecord.getMinBufferSize(RATE, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_16BIT)))
        } catch (e: SecurityException) {
            Log.w(TAG, "no microphone permission: the session goes on without it", e)
            return
        }
        if (record.state != AudioRecord.STATE_INITIALIZED) {
            record.release()
            Log.w(TAG, "the microphone did not open")
            return
        }
        val effects = listOfNotNull<AudioEffect>(
            if (AcousticEchoCanceler.isAvailable()) AcousticEchoCanceler.create(record.audioSessionId) else null,
            if (NoiseSuppressor.isAvailable()) NoiseSuppressor.create(record.audioSessionId) else null,
        ).onEach { it.enabled = true }
        val pcm = ByteBuffer.allocateDirect(blockBytes).order(ByteOrder.LITTLE_ENDIAN)
        try {
            record.startRecording()
            while (running) {
                val read = record.read(pcm, blockBytes)
                if (read <= 0) continue
                pcm.position(0).limit(read)
                try {
                    session.pushAudio(pcm, RATE.toUInt(), 1u, (System.nanoTime() / 1_000).toULong())
                } catch (e: Exception) {
                    Log.w(TAG, "microphone block refused", e)
                }
                pcm.clear()
            }
        } finally {
            record.stop()
            record.release()
            effects.forEach { it.release() }
        }
    }

    /** The technician's voice in 10 ms blocks on the communication stream. */
    private fun play() {
        val attributes = AudioAttributes.Builder().setUsage(AudioAttributes.USAGE_VOICE_COMMUNICATION)
            .setContentType(AudioAttributes.CONTENT_TYPE_SPEECH).build()
        val format = AudioFormat.Builder().setSampleRate(RATE).setChannelMask(AudioFormat.CHANNEL_OUT_MONO)
            .setEncoding(AudioFormat.ENCODING_PCM_16BIT).build()
        val minBytes = AudioTrack.getMinBufferSize(RATE, AudioFormat.CHANNEL_OUT_MONO, AudioFormat.ENCODING_PCM_16BIT)
        val track = AudioTrack(attributes, format, maxOf(minBytes, RATE / 10 * 2), AudioTrack.MODE_STREAM,
            AudioManager.AUDIO_SESSION_ID_GENERATE)
        val block = ShortArray(RATE / 100)
        val started = System.nanoTime()
        var blocks = 0L
        try {
            track.play()
            while (running) {
                val samples = session.pullPlaybackAudio()
                for (i in samples.indices) block[i] = samples[i]
                track.write(block, 0, samples.size)
                // The blocking write paces this loop on a phone; where a track takes samples
                // faster than real time, never pull ahead of the technician by more than 100 ms.
                val ahead = started + ++blocks * 10_000_000 - System.nanoTime() - 100_000_000
                if (ahead > 0) Thread.sleep(ahead / 1_000_000)
            }
        } finally {
            track.stop()
            track.release()
        }
    }

    /**
     * A microphone or speaker the platform refuses (AudioTrack and AudioRecord throw on some
     * devices; Robolectric's AudioTrack misses a framework class) costs that direction of the
     * call, never the app: an uncaught throw on any thread ends an Android process.
     */
    private fun guarded(what: String, body: () -> Unit) {
        try {
            body()
        } catch (e: Exception) {
            Log.e(TAG, "the $what stopped", e)
        } catch (e: LinkageError) {
            Log.e(TAG, "the $what stopped", e)
        }
    }

    /** Speakerphone by default: the phone is held out to film, not to the ear. */
    private fun setSpeakerphone(on: Boolean) {
        if (Build.VERSION.SDK_INT >= 31) {
            val speaker = audioManager.availableCommunicationDevices
                .firstOrNull { it.type == AudioDeviceInfo.TYPE_BUILTIN_SPEAKER }
            if (on && speaker != null) audioManager.setCommunicationDevice(speaker) else audioManager.clearCommunicationDevice()
        } else {
            @Suppress("DEPRECATION")
            audioManager.isSpeakerphoneOn = on
        }
    }

    private companion object {
        const val RATE = 48_000
        const val TAG = "Lens"
    }
}
