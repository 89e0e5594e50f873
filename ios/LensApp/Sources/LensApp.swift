import SwiftUI

/// One window (Info.plist turns multiple scenes off): the customer has one session.
@main
struct LensApp: App {
    @StateObject private var shell = AppShell()
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            ScreenView(model: shell.model, media: shell.media)
                .onOpenURL { shell.open($0) }
                .onChange(of: phase) { if $0 == .active { shell.becameActive() } }
        }
    }
}
