import AVFoundation
import os

/// The phone's camera: one AVCaptureSession, kept for the app's life so the preview can hold
/// on to it, delivering unmirrored NV12 pictures of about 720p, turned upright by the
/// connection (see CameraRotation), to `onFrame` on the queue given at init. Configured from
/// one other queue (MediaCapture's `control`): `startRunning` blocks the thread it runs on.
/// AVFoundation pauses it in the background and resumes it after an interruption.
final class Camera: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate {
    let session = AVCaptureSession()
    /// Set once before the first start.
    var onFrame: ((CMSampleBuffer) -> Void)?
    let rotation: CameraRotation
    private let output: AVCaptureVideoDataOutput
    private var input: AVCaptureDeviceInput?

    init(frames: DispatchQueue) {
        let output = AVCaptureVideoDataOutput()
        self.output = output
        rotation = CameraRotation(output: output)
        super.init()
        session.beginConfiguration()
        if session.canSetSessionPreset(.hd1280x720) { session.sessionPreset = .hd1280x720 }
        // Video range: the engine's pushed-frame path and its H.264 signal BT.601 limited range.
        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange]
        output.alwaysDiscardsLateVideoFrames = true
        output.setSampleBufferDelegate(self, queue: frames)
        if session.canAddOutput(output) { session.addOutput(output) }
        session.commitConfiguration()
    }

    /// Opens the back or the front camera (any camera when that one is missing) and runs.
    func start(front: Bool) {
        session.beginConfiguration()
        if let input { session.removeInput(input) }
        input = nil
        let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: front ? .front : .back)
            ?? AVCaptureDevice.default(for: .video)
        if let device, let made = try? AVCaptureDeviceInput(device: device), session.canAddInput(made) {
            session.addInput(made)
            input = made
        } else {
            mediaLog.warning("the camera could not be opened: permission refused, or another app holds it")
        }
        // A new input makes a new connection: it starts unturned and possibly mirrored.
        if let connection = output.connection(with: .video), connection.isVideoMirroringSupported {
            connection.automaticallyAdjustsVideoMirroring = false
            connection.isVideoMirrored = false
        }
        session.commitConfiguration()
        if input != nil, !session.isRunning { session.startRunning() }
        let (rotation, opened) = (rotation, input?.device)
        Task { @MainActor in rotation.follow(opened) }
    }

    func stop() {
        session.stopRunning()
        if let input { session.removeInput(input) }
        input = nil
        let rotation = rotation
        Task { @MainActor in rotation.follow(nil) }
    }

    /// What the open camera has, for core's Torch and Switch camera (`Intent.cameraOpened`).
    var has: (torch: Bool, anotherCamera: Bool) { (input?.device.hasTorch ?? false, Self.cameras.devices.count > 1) }
    private static let cameras = AVCaptureDevice.DiscoverySession(deviceTypes: [.builtInWideAngleCamera], mediaType: .video, position: .unspecified)

    /// False where this camera has no torch (front cameras) or it is busy.
    func setTorch(_ on: Bool) -> Bool {
        guard let device = input?.device, device.hasTorch, (try? device.lockForConfiguration()) != nil else { return false }
        defer { device.unlockForConfiguration() }
        if on { return (try? device.setTorchModeOn(level: AVCaptureDevice.maxAvailableTorchLevel)) != nil }
        device.torchMode = .off
        return true
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
        onFrame?(sampleBuffer)
    }
}
