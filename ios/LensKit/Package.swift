// swift-tools-version:5.9
// LensKit: the Rust core (LensFFI.xcframework, built by `make ios`) with its UniFFI Swift glue
// (Sources/LensKit/Generated, copied in by `make bindings-swift`) and the thin main-actor layer
// the app draws from. The macOS slice exists so that `swift test` runs on the Mac itself.
import PackageDescription

let package = Package(
    name: "LensKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [.library(name: "LensKit", targets: ["LensKit"])],
    targets: [
        .binaryTarget(name: "LensFFI", path: "LensFFI.xcframework"),
        .target(
            name: "LensKit",
            dependencies: ["LensFFI"],
            // openh264 inside the static library is C++.
            linkerSettings: [.linkedLibrary("c++")]
        ),
        .testTarget(name: "LensKitTests", dependencies: ["LensKit"]),
    ]
)
