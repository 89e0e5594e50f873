import AVFoundation
import LensKit
import os

/// The call's sound from init to deinit: the microphone through Apple's voice processing
/// (echo canceller, noise suppression) pushed to the engine, and the technician's voice
/// pulled from it, on the loudspeaker by default: the phone is held out to film, not to the
/// ear. Used from MediaCapture's `control` queue only.
final class Voice {
    private let session: LensSession, control: DispatchQueue
    private let engine = AVAudioEngine()
    private var microphone: AVAudioSinkNode?, observers: [NSObjectProtocol] = []

    init(session: LensSession, control: DispatchQueue) {
        self.session = session
        self.control = control
        let playback = Playback(session: session)
        let format = AVAudioFormat(standardFormatWithSampleRate: 48_000, channels: 1)!
        let speaker = AVAudioSourceNode(format: format) { _, _, frames, buffers in
            playback.render(frames, into: buffers)
        }
        engine.attach(speaker)
        engine.connect(speaker, to: engine.mainMixerNode, format: format)
        let audio = AVAudioSession.sharedInstance()
        do {
            try audio.setCategory(.playAndRecord, mode: .voiceChat, options: [.defaultToSpeaker, .allowBluetooth])
            try audio.setPreferredSampleRate(48_000)
            try audio.setPreferredIOBufferDuration(0.01)
            try audio.setActive(true)
        } catch {
            mediaLog.error("the audio session refused the call: \(error.localizedDescription, privacy: .public)")
        }
        observe()
        run()
    }

    deinit {
        observers.forEach { NotificationCenter.default.removeObserver($0) }
        engine.stop()
        try? AVAudioSession.sharedInstance().setActive(false, options: .notifyOthersOnDeactivation)
    }

    /// (Re)wires the microphone for the input's current format (a new route may change it) and starts.
    private func run() {
        engine.stop()
        if let microphone { engine.detach(microphone) }
        microphone = nil
        if AVAudioSession.sharedInstance().recordPermission == .granted {
            do {
                try engine.inputNode.setVoiceProcessingEnabled(true)
                let format = engine.inputNode.outputFormat(forBus: 0)
                if format.sampleRate > 0 {
                    let sink = AVAudioSinkNode { [session] time, frames, buffers in
                        Self.push(buffers, frames, at: time, rate: format.sampleRate, to: session)
                    }
                    engine.attach(sink)
                    engine.connect(engine.inputNode, to: sink, format: format)
                    microphone = sink
                }
            } catch {
                mediaLog.error("no voice processing: \(error.localizedDescription, privacy: .public)")
            }
        } else {
            mediaLog.info("no microphone permission: the technician hears nothing, the customer still hears them")
        }
        // Voice processing and a new route change the output's format: follow it.
        engine.connect(engine.mainMixerNode, to: engine.outputNode, format: nil)
        do { try engine.start() } catch {
            mediaLog.error("the call's sound did not start: \(error.localizedDescription, privacy: .public)")
        }
    }

    /// A phone call or Siri interrupts the sound; a new route (a headset) stops the engine.
    /// Either way the customer is still in the session: the sound comes back at once.
    private func observe() {
        let center = NotificationCenter.default
        let restart: @Sendable (Notification) -> Void = { [weak self] note in
            let type = (note.userInfo?[AVAudioSessionInterruptionTypeKey] as? UInt)
                .flatMap(AVAudioSession.InterruptionType.init(rawValue:))
            // At an interruption's start the system has stopped the sound already.
            if note.name == AVAudioSession.interruptionNotification, type != .ended { return }
            self?.control.async { [weak self] in
                guard let self else { return } // the call ended meanwhile
                try? AVAudioSession.sharedInstance().setActive(true)
                run()
            }
        }
        observers = [
            center.addObserver(
                forName: AVAudioSession.interruptionNotification, object: nil, queue: nil, using: restart),
            center.addObserver(forName: .AVAudioEngineConfigurationChange, object: engine, queue: nil, using: restart),
        ]
    }

    /// On the audio thread: the first channel (voice processing's output) as 16-bit PCM.
    private static func push(_ list: UnsafePointer<AudioBufferList>, _ frames: AVAudioFrameCount,
                             at time: UnsafePointer<AudioTimeStamp>, rate: Double, to session: LensSession) -> OSStatus {
        let buffers = UnsafeMutableAudioBufferListPointer(UnsafeMutablePointer(mutating: list))
        guard let first = buffers.first, let samples = first.mData?.assumingMemoryBound(to: Float.self) else { return noErr }
        let step = Int(max(1, first.mNumberChannels))
        var pcm = Data(count: Int(frames) * 2)
        pcm.withUnsafeMutableBytes { raw in
            let out = raw.bindMemory(to: Int16.self)
            for i in 0..<Int(frames) { out[i] = Int16(max(-1, min(1, samples[i * step])) * 32767) }
        }
        let micros = UInt64(AVAudioTime.seconds(forHostTime: time.pointee.mHostTime) * 1_000_000)
        // A refused block is counted in the engine's pushedStats; logging it here would flood the log.
        try? session.pushAudio(pcm: pcm, sampleRate: UInt32(rate), channels: 1, timestampUs: micros)
        return noErr
    }
}

/// Hands AVAudioEngine's render calls, of any length, the engine's 10 ms blocks of 48 kHz
/// mono PCM (silence while the technician says nothing). Audio thread only.
private final class Playback {
    private let session: LensSession
    private var block: [Int16] = [], used = 0

    init(session: LensSession) { self.session = session }

    func render(_ frames: AVAudioFrameCount, into list: UnsafeMutablePointer<AudioBufferList>) -> OSStatus {
        guard let out = UnsafeMutableAudioBufferListPointer(list).first?.mData?.assumingMemoryBound(to: Float.self)
        else { return noErr }
        for i in 0..<Int(frames) {
            if used == block.count { (block, used) = (session.pullPlaybackAudio(), 0) }
            out[i] = used < block.count ? Float(block[used]) / 32768 : 0
            used = min(used + 1, block.count)
        }
        return noErr
    }
}
