import Foundation

/// The operator's values from ../../app.toml, which project.yml writes into build settings and
/// Info.plist passes on: one app per operator. (The brand colour is the asset catalog's
/// AccentColor, which SwiftUI tints with.)
enum AppConfig {
    static let serverURL = string("LensServerURL")
    /// Space-separated in the build setting: Info.plist substitution cannot make an array.
    static let extraHosts = string("LensExtraHosts").split(separator: " ").map(String.init)
    static let name = string("CFBundleDisplayName")

    /// A missing key is a broken build, not something a customer can act on: stop loudly.
    private static func string(_ key: String) -> String {
        guard let value = Bundle.main.object(forInfoDictionaryKey: key) as? String else {
            fatalError("Info.plist has no \(key): regenerate the project from project.yml")
        }
        return value
    }
}
