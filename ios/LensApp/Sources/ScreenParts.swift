import Foundation
import LensKit

/// One element of a screen, in the order drawn. Every word in it comes from the core's Screen.
enum Part {
    case heading(String)
    case body(String)
    /// A sentence that needs attention (what is wrong with the PIN, a notice); nil hides it.
    case note(String?)
    /// The PIN field with what the model holds; `prompt` is its placeholder.
    case pinField(input: String, prompt: String)
    /// Something is under way, where the core says so (`screenUnderWay`).
    case busy
    /// Where the customer is in the tutorial.
    case steps(step: UInt32, of: UInt32, words: String)
    /// The network quality's bars, read out as its word; hidden until there is a figure.
    case meter(Quality?)
    /// A button; the intent is made at the tap (the licence's acceptance carries the time).
    case action(LensKit.Button, () -> Intent)
    /// A switch showing where it stands; a tap asks for the other position.
    case toggle(LensKit.Toggle, (Bool) -> Intent)

    /// Which part this is (its case's name), without its words: same kinds update in place.
    var kind: String { Mirror(reflecting: self).children.first?.label ?? "\(self)" }

    /// Buttons and switches sit in the bar below the scrolling words.
    var inBar: Bool {
        switch self {
        case .action, .toggle: return true
        default: return false
        }
    }
}

/// A screen as drawn: whether the camera preview shows, and its parts.
struct Drawing {
    let preview: Bool
    let parts: [Part]
}

/// The decisions of desktop/src/window/screens.rs and the Android app's ScreenParts.kt.
/// Whether the preview shows is the core's (`screenMedia`), the answer that runs the camera.
func drawing(_ screen: Screen) -> Drawing {
    Drawing(preview: screenMedia(screen: screen).camera, parts: parts(screen))
}

private func parts(_ screen: Screen) -> [Part] {
    let busy: [Part] = screenUnderWay(screen: screen) ? [.busy] : []
    switch screen {
    case let .tutorial(step, steps, progress, title, body, skip, next):
        return [
            .steps(step: step, of: steps, words: progress), .heading(title), .body(body),
            .action(next) { .tutorialNext }, .action(skip) { .tutorialSkip },
        ]
    case let .permissions(title, body, allow):
        return [.heading(title), .body(body), .action(allow) { .allowPermissions }]
    case let .permissionsRefused(title, body, openSettings, tryAgain, withoutMicrophone):
        var parts: [Part] = [
            .heading(title), .body(body),
            .action(openSettings) { .openSettings }, .action(tryAgain) { .allowPermissions },
        ]
        if let withoutMicrophone { parts.append(.action(withoutMicrophone) { .joinWithoutMicrophone }) }
        return parts
    case let .enterPin(title, organisation, prompt, input, problem, join):
        return [
            .heading(title), .body(organisation), .pinField(input: input, prompt: prompt),
            .note(problem), .action(join) { .join },
        ]
    case let .joining(title, body):
        return [.heading(title), .body(body)] + busy
    case let .licence(title, intro, text, accept, decline):
        return [
            .heading(title), .body(intro), .body(text),
            .action(accept) { .accept(atUnixMs: Int64(Date().timeIntervalSince1970 * 1000)) },
            .action(decline) { .decline },
        ]
    case let .waiting(title, body, _, leave), let .onHold(title, body, _, leave),
         let .connecting(title, body, _, leave), let .reconnecting(title, body, leave):
        return [.heading(title), .body(body)] + busy + [.action(leave) { .leave }]
    case let .live(title, _, videoPausedNote, quality, notice, controls):
        return [
            .heading(title), .meter(quality), .note(videoPausedNote), .note(notice),
            .toggle(controls.mute) { .setMuted(muted: $0) },
            .toggle(controls.pauseVideo) { .setVideoPaused(paused: $0) },
            .action(controls.switchCamera) { .switchCamera },
            .toggle(controls.torch) { .setTorch(on: $0) },
            .action(controls.leave) { .leave },
        ]
    case let .ended(title, reason, back):
        return [.heading(title), .body(reason), .action(back) { .backToStart }]
    }
}
