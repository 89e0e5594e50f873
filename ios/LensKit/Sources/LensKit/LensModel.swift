import Combine
import Foundation
import Network
import os

/// The core's app model on the main actor: the screen to draw and the effects for the app.
/// Every word and decision is the core's; this moves them from the engine's threads to the
/// main actor, in the engine's order.
@MainActor
public final class LensModel: ObservableObject {
    /// What the customer sees now; nil until the engine's first screen arrived.
    @Published public private(set) var screen: Screen?
    /// Every screen, the current one first; a slow reader gets the newest (one reader).
    public let screens: AsyncStream<Screen>
    /// `requestPermissions`, `openSystemSettings`, `saveTutorialSeen`; none dropped (one reader).
    public let effects: AsyncStream<Effect>
    /// For the media shell: `pushH264`, `pushVideoFrame`, `pushAudio`, `pullPlaybackAudio`, …
    public let session: LensSession

    private let screenSink: AsyncStream<Screen>.Continuation
    private let effectSink: AsyncStream<Effect>.Continuation
    private let updateSink: AsyncStream<AppUpdate>.Continuation
    private let subscription: TaskHandle
    /// A new network (Wi-Fi to mobile): the core moves a live session's media at once.
    private let pathMonitor = NWPathMonitor()

    /// The app's one session: after an end, Back to start returns it to the PIN field.
    /// Throws `ApiError.InvalidConfiguration` for a server URL the core refuses.
    public static func start(
        serverUrl: String, options: SessionOptions, defaults: UserDefaults = .standard
    ) throws -> LensModel {
        let eula = UserDefaultsEulaStorage(defaults: defaults)
        return LensModel(session: try LensSession(serverUrl: serverUrl, options: options, eulaStore: eula))
    }

    init(session: LensSession) {
        self.session = session
        (screens, screenSink) = AsyncStream.makeStream(of: Screen.self, bufferingPolicy: .bufferingNewest(1))
        (effects, effectSink) = AsyncStream.makeStream(of: Effect.self)
        // One stream read by one main-actor task keeps the engine's order; a task per
        // callback would not promise it.
        let (updates, updateSink) = AsyncStream.makeStream(of: AppUpdate.self)
        self.updateSink = updateSink
        subscription = session.subscribeApp(listener: Forwarder(updateSink))
        pathMonitor.pathUpdateHandler = { [session] _ in session.networkChanged() }
        pathMonitor.start(queue: .global(qos: .utility))
        Task { [weak self] in
            for await update in updates {
                self?.apply(update)
            }
        }
    }

    /// A tap, a keystroke or the platform's answer; one the screen does not offer changes nothing.
    public func act(_ intent: Intent) {
        session.act(intent: intent)
    }

    deinit {
        subscription.cancel()
        updateSink.finish()
        screenSink.finish()
        effectSink.finish()
    }

    private func apply(_ update: AppUpdate) {
        switch update {
        case .screen(let screen):
            self.screen = screen
            screenSink.yield(screen)
        case .effect(let effect):
            effectSink.yield(effect)
        }
    }
}

/// The whole app's log subsystem, the Rust engine's included (bindings/src/logging.rs).
public extension Logger {
    static let lensSubsystem = "app.lens"

    init(lensCategory category: String) {
        self.init(subsystem: Logger.lensSubsystem, category: category)
    }
}

enum AppUpdate: Sendable {
    case screen(Screen)
    case effect(Effect)
}

/// The engine's listener: hands each call on without blocking the engine's thread.
private final class Forwarder: AppListener {
    private let updates: AsyncStream<AppUpdate>.Continuation

    init(_ updates: AsyncStream<AppUpdate>.Continuation) {
        self.updates = updates
    }

    func onScreen(screen: Screen) { updates.yield(.screen(screen)) }

    func onEffect(effect: Effect) { updates.yield(.effect(effect)) }
}
