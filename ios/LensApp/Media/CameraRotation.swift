import AVFoundation
import UIKit

/// Keeps the picture sent level with gravity, whatever the interface does, and the preview
/// upright in the interface. iOS 17: RotationCoordinator, which knows how each camera is
/// mounted (front and back angles differ, and between iPhones). iOS 16: videoOrientation, which
/// AVFoundation maps per camera, from UIDevice and UIKit (their raw values name the same sides).
@MainActor
final class CameraRotation {
    private let output: AVCaptureVideoDataOutput
    private weak var preview: AVCaptureVideoPreviewLayer?
    private var device: AVCaptureDevice?
    private var coordinator: AnyObject?, observations: [NSKeyValueObservation] = []
    private var held = AVCaptureVideoOrientation.portrait, interface: UIInterfaceOrientation?
    private var heldChanges: Task<Void, Never>?

    nonisolated init(output: AVCaptureVideoDataOutput) { self.output = output }

    /// A camera was opened (nil: closed); a new connection starts unturned.
    func follow(_ device: AVCaptureDevice?) {
        self.device = device
        observations = []
        coordinator = nil
        guard #available(iOS 17, *) else { return followHeld(device != nil) }
        guard let device else { return }
        let coordinator = AVCaptureDevice.RotationCoordinator(device: device, previewLayer: preview)
        let (output, preview) = (output, preview)
        // The coordinator reports on the main queue.
        observations = [
            coordinator.observe(\.videoRotationAngleForHorizonLevelCapture, options: .initial) { coordinator, _ in
                output.connection(with: .video)?.videoRotationAngle = coordinator.videoRotationAngleForHorizonLevelCapture
            },
            coordinator.observe(\.videoRotationAngleForHorizonLevelPreview, options: .initial) { [weak preview] coordinator, _ in
                preview?.connection?.videoRotationAngle = coordinator.videoRotationAngleForHorizonLevelPreview
            },
        ]
        self.coordinator = coordinator
    }

    /// The preview's layer after each layout, with the interface's orientation.
    func layout(_ layer: AVCaptureVideoPreviewLayer, in interface: UIInterfaceOrientation?) {
        self.interface = interface
        if preview !== layer {
            preview = layer
            follow(device) // the coordinator needs the layer
        } else if #unavailable(iOS 17) {
            turnPreview()
        }
    }

    private func followHeld(_ on: Bool) {
        if on, heldChanges == nil {
            UIDevice.current.beginGeneratingDeviceOrientationNotifications()
            heldChanges = Task { [weak self] in
                for await _ in NotificationCenter.default.notifications(named: UIDevice.orientationDidChangeNotification) {
                    self?.hold(UIDevice.current.orientation)
                }
            }
        } else if !on, let changes = heldChanges {
            changes.cancel()
            heldChanges = nil
            UIDevice.current.endGeneratingDeviceOrientationNotifications()
        }
        hold(UIDevice.current.orientation)
        turnPreview()
    }

    private func turnPreview() {
        guard let interface, let connection = preview?.connection, connection.isVideoOrientationSupported else { return }
        connection.videoOrientation = AVCaptureVideoOrientation(rawValue: interface.rawValue) ?? .portrait
    }

    private func hold(_ physical: UIDeviceOrientation) {
        // Flat on a table, or not known yet: the last way it was held stays.
        if physical.isValidInterfaceOrientation, let orientation = AVCaptureVideoOrientation(rawValue: physical.rawValue) {
            held = orientation
        }
        guard let connection = output.connection(with: .video), connection.isVideoOrientationSupported else { return }
        connection.videoOrientation = held
    }
}
