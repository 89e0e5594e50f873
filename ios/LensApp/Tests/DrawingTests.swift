@testable import LensApp
import LensKit
import XCTest

/// The screens as drawn: the model's words in order, and the intents the taps send.
final class DrawingTests: XCTestCase {
    func testPinScreenShowsTheModelsWordsAndJoinSendsJoin() {
        let join = LensKit.Button(label: "Join", enabled: false)
        let shown = drawing(.enterPin(title: "PIN", organisation: "Acme", prompt: "123456", input: "12",
                                      problem: "Six digits", join: join))
        XCTAssertEqual(shown.parts.map(\.kind), ["heading", "body", "pinField", "note", "action"])
        guard case let .note(problem) = shown.parts[3], case let .action(button, intent) = shown.parts[4]
        else { return XCTFail("no problem and Join button") }
        XCTAssertEqual(problem, "Six digits")
        XCTAssertEqual(button, join)
        XCTAssertEqual(intent(), .join)
    }

    func testAcceptingTheLicenceCarriesTheTime() {
        let button = LensKit.Button(label: "Accept", enabled: true)
        let shown = drawing(.licence(title: "Licence", intro: "Read", text: "Terms", accept: button, decline: button))
        guard case let .action(_, accept) = shown.parts[3], case let .accept(at) = accept()
        else { return XCTFail("Accept does not accept") }
        XCTAssertEqual(Double(at) / 1000, Date().timeIntervalSince1970, accuracy: 5)
    }

    func testASwitchAsksForItsOtherPosition() {
        let muted = LensKit.Toggle(label: "Unmute", on: true, enabled: true), leave = LensKit.Button(label: "Leave", enabled: true)
        let controls = LiveControls(mute: muted, pauseVideo: muted, switchCamera: leave, torch: muted, leave: leave)
        let shown = drawing(.live(title: "Live", preview: true, videoPausedNote: nil, quality: nil, notice: nil, controls: controls))
        XCTAssertTrue(shown.preview)
        guard case let .toggle(_, intent) = shown.parts[4] else { return XCTFail("no mute switch") }
        XCTAssertEqual(intent(!muted.on), .setMuted(muted: false))
    }
}
