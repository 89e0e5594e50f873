import Foundation
import XCTest
@testable import LensKit

/// The layer between the engine's threads and the main actor, on the Mac (`swift test`) with
/// the macOS slice of the real library. No server is reached: the tutorial needs none.
@MainActor
final class LensModelTests: XCTestCase {
    private var defaults: UserDefaults!

    override func setUp() async throws {
        defaults = UserDefaults(suiteName: "LensKitTests-\(UUID().uuidString)")
    }

    private func start(tutorialSeen: Bool = false) throws -> LensModel {
        try LensModel.start(
            serverUrl: "https://support.example.com",
            options: SessionOptions(locales: ["de-AT"], tutorialSeen: tutorialSeen),
            defaults: defaults
        )
    }

    func testTheFirstScreenArrivesOnTheMainActorAndIsPublished() async throws {
        let model = try start()
        var screens = model.screens.makeAsyncIterator()
        let first = await screens.next()
        guard case .tutorial(let step, let steps, _, _, _, _, _) = first else {
            return XCTFail("a first start shows the tutorial, got \(String(describing: first))")
        }
        XCTAssertEqual(step, 1)
        XCTAssertEqual(steps, 3)
        XCTAssertEqual(model.screen, first)
    }

    func testSkippingTheTutorialAsksTheAppToRememberItAndMovesOn() async throws {
        let model = try start()
        var screens = model.screens.makeAsyncIterator()
        var effects = model.effects.makeAsyncIterator()
        _ = await screens.next()
        model.act(.tutorialSkip)
        let effect = await effects.next()
        XCTAssertEqual(effect, .saveTutorialSeen)
        let next = await screens.next()
        if case .tutorial = next {
            XCTFail("the tutorial is still shown after Skip")
        }
    }

    func testTheLicenceAcceptanceIsKeptInUserDefaults() throws {
        let storage = UserDefaultsEulaStorage(defaults: defaults)
        XCTAssertNil(try storage.load())
        try storage.save(data: "accepted v3")
        XCTAssertEqual(try UserDefaultsEulaStorage(defaults: defaults).load(), "accepted v3")
    }
}
