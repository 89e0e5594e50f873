import LensKit
import os
import UIKit

/// The app's one customer session: it outlives every view, keeps the media in step with the
/// screen and carries out the effects meant for the shell. It decides nothing: the core does.
@MainActor
final class AppShell: ObservableObject {
    let model: LensModel
    let media: MediaCapture
    private let log = Logger(lensCategory: "app")

    init() {
        do {
            model = try LensModel.start(serverUrl: AppConfig.serverURL, options: DeviceSettings.options())
        } catch {
            // Only a server URL the core refuses gets here: a broken build of app.toml, which no
            // customer can mend, so it stops where the developer sees it (as on Android).
            fatalError("LensServerURL is not a server the core accepts: \(error)")
        }
        media = MediaCapture(session: model.session)
        // For the app's life, not a view's: a stream whose reader is cancelled ends for good.
        Task {
            for await screen in model.screens { media.onScreen(screen) }
        }
        Task {
            for await effect in model.effects { await carryOut(effect) }
        }
    }

    /// Universal links (https://<host>/<pin>, /join/<pin>, /?code=<pin>), the Smart App
    /// Banner's app-argument and lens://join/<pin> all arrive here. Whether the link may join
    /// is the model's decision (never while a session is in progress). Not logged: it holds a PIN.
    func open(_ url: URL) {
        model.act(.openedLink(url: url.absoluteString))
    }

    /// Back in front, perhaps from the Settings app: the refusal screen shows what iOS says now.
    func becameActive() {
        guard case .permissionsRefused = model.screen else { return }
        answer(DeviceSettings.grants())
    }

    private func carryOut(_ effect: Effect) async {
        switch effect {
        case .requestPermissions:
            answer(await DeviceSettings.requestGrants())
        case .openSystemSettings:
            guard let settings = URL(string: UIApplication.openSettingsURLString) else { return }
            _ = await UIApplication.shared.open(settings)
        case .saveTutorialSeen:
            DeviceSettings.tutorialSeen = true
        case .setMicrophoneMuted, .switchCamera, .setTorch:
            // The engine and MediaCapture's CameraController carry these out; they do not come here.
            break
        }
    }

    private func answer(_ grants: PermissionGrants) {
        log.info("permissions: camera \(grants.camera), microphone \(grants.microphone)")
        model.act(.permissionsAnswered(camera: grants.camera, microphone: grants.microphone))
    }
}
