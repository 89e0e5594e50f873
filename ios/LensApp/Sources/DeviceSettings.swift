import AVFoundation
import LensKit

/// What the phone knows that a session starts from, and the one thing this layer stores:
/// whether the tutorial was seen (LensKit keeps the licence acceptance).
enum DeviceSettings {
    private static let tutorialSeenKey = "tutorial_seen"

    static var tutorialSeen: Bool {
        get { UserDefaults.standard.bool(forKey: tutorialSeenKey) }
        set { UserDefaults.standard.set(newValue, forKey: tutorialSeenKey) }
    }

    /// The camera and microphone permissions as the system reports them now, without asking.
    static func grants() -> PermissionGrants {
        PermissionGrants(
            camera: AVCaptureDevice.authorizationStatus(for: .video) == .authorized,
            microphone: AVCaptureDevice.authorizationStatus(for: .audio) == .authorized
        )
    }

    /// Shows the system prompts the first time; afterwards iOS answers at once with what the
    /// customer chose, and only the Settings app can change it.
    static func requestGrants() async -> PermissionGrants {
        let camera = await AVCaptureDevice.requestAccess(for: .video)
        let microphone = await AVCaptureDevice.requestAccess(for: .audio)
        return PermissionGrants(camera: camera, microphone: microphone)
    }

    static func options() -> SessionOptions {
        let grants = Self.grants()
        return SessionOptions(
            extraHosts: AppConfig.extraHosts,
            video: MediaCapture.videoConfig,
            audio: MediaCapture.audioConfig,
            locales: Locale.preferredLanguages,
            organisation: AppConfig.name,
            tutorialSeen: tutorialSeen,
            // Both granted needs no prompt; anything less, the model asks (as on Android).
            permissions: grants.camera && grants.microphone ? grants : nil
        )
    }
}
