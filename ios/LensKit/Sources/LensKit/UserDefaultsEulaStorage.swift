import Foundation

/// The licence acceptance, an opaque string only the core reads (what a missing or broken one
/// means is the core's decision), under the same key as the Android app's preferences.
///
/// The engine calls it on its own threads; UserDefaults is thread-safe, hence `@unchecked`.
/// A write is visible to the next read at once, and the system persists it.
final class UserDefaultsEulaStorage: EulaStorage, @unchecked Sendable {
    static let key = "eula"
    private let defaults: UserDefaults

    init(defaults: UserDefaults) {
        self.defaults = defaults
    }

    func load() throws -> String? {
        defaults.string(forKey: Self.key)
    }

    func save(data: String) throws {
        defaults.set(data, forKey: Self.key)
    }
}
