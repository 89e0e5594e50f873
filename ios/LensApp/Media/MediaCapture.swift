import AVFoundation
import LensKit
import os

let mediaLog = Logger(lensCategory: "media")

/// Runs the phone's media for one session as core's screen says (`screenMedia`): the
/// camera while a screen shows the preview (from Waiting: the engine drops every frame until
/// the technician started), the microphone and the speaker while connecting and live,
/// nothing on the other screens. Also the session's CameraController: torch, camera switch,
/// keyframes and bitrate. Lives as long as the app's one session.
final class MediaCapture: CameraController, @unchecked Sendable {
    /// The size asked of the camera: the top of the engine's resolution ladder (720p30).
    static let width: Int32 = 1280, height: Int32 = 720, fps: Int32 = 30

    /// VideoToolbox's H.264 when it makes what the engine offers (every iPhone does), sent as
    /// it is; otherwise the engine encodes the pushed frames with openh264.
    static let videoConfig: VideoSourceConfig = H264Encoder.available(width: width, height: height)
        ? .pushedH264(width: UInt32(width), height: UInt32(height), fps: UInt32(fps))
        : .pushed(width: UInt32(width), height: UInt32(height), fps: UInt32(fps))
    /// The microphone is read by Voice and pushed: Apple's echo canceller works on it.
    static let audioConfig: AudioSourceConfig = .pushed

    let camera: Camera
    private let session: LensSession
    /// The camera, the voice and the switches: starting either blocks, so never the main thread.
    private let control = DispatchQueue(label: "lens.media.control")
    /// The camera's pictures, `sending`, the encoder and its requests.
    private let frames = DispatchQueue(label: "lens.media.frames")
    private var cameraOn = false, front = false, voice: Voice? // control
    /// Pictures go to the encoder only while the technician watches (Connecting, Live).
    private var sending = false, encoder: H264Encoder?, bitrate = H264Encoder.startBitrate, refusals = 0 // frames
    /// Keeps this object registered with the engine.
    private var controller: TaskHandle?

    init(session: LensSession) {
        self.session = session
        camera = Camera(frames: frames)
        camera.onFrame = { [weak self] in self?.onFrame($0) }
        controller = session.setCameraController(controller: self)
    }

    @MainActor func onScreen(_ screen: Screen) {
        // Core says what the camera and the microphone do on this screen.
        let media = screenMedia(screen: screen)
        let preview = media.camera, talking = media.talking
        frames.async { [self] in
            sending = talking
            if !talking { encoder = nil }
        }
        control.async { [self] in
            if preview, !cameraOn { startCamera() }
            if !preview, cameraOn { camera.stop() }
            cameraOn = preview
            if !talking { voice = nil } else if voice == nil { voice = Voice(session: session, control: control) }
        }
    }

    /// On one of the engine's threads, in order.
    func onRequest(request: ShellRequest) {
        switch request {
        case .keyframeNeeded: frames.async { [self] in encoder?.keyframeDue = true }
        case .targetBitrate(let bps):
            frames.async { [self] in
                bitrate = bps
                encoder?.setBitrate(bps)
            }
        case .switchCamera:
            control.async { [self] in
                front.toggle()
                if cameraOn { startCamera() }
            }
        case .torch(let on):
            control.async { [self] in
                if cameraOn, !camera.setTorch(on) { mediaLog.info("this camera has no torch") }
            }
        case .videoPaused: break // The customer's preview goes on; the engine sends nothing while paused.
        }
    }

    private func startCamera() {
        camera.start(front: front)
        let has = camera.has // core offers Torch and Switch camera where it has them, and relights it
        session.act(intent: .cameraOpened(torch: has.torch, anotherCamera: has.anotherCamera))
    }

    /// On `frames`: one picture to the encoder, or to the engine when it encodes.
    private func onFrame(_ sample: CMSampleBuffer) {
        guard let pixels = CMSampleBufferGetImageBuffer(sample) else { return }
        let time = CMSampleBufferGetPresentationTimeStamp(sample)
        do {
            guard case .pushedH264 = Self.videoConfig else {
                return try FramePusher.push(pixels, at: time, to: session)
            }
            guard sending else { return }
            try encoderFor(pixels).encode(pixels, at: time)
        } catch {
            // A bad frame costs that frame; say so a few times, not thirty times a second.
            if refusals < 10 { mediaLog.warning("frame not sent: \(String(describing: error), privacy: .public)") }
            refusals += 1
        }
    }

    /// The encoder for this picture's size: a turned phone needs a new one.
    private func encoderFor(_ pixels: CVPixelBuffer) throws -> H264Encoder {
        let width = Int32(CVPixelBufferGetWidth(pixels)), height = Int32(CVPixelBufferGetHeight(pixels))
        if let encoder, encoder.width == width, encoder.height == height { return encoder }
        encoder = nil // one hardware session at a time
        encoder = try H264Encoder(session: session, width: width, height: height, bitrate: bitrate)
        return encoder!
    }
}
