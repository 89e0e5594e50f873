import LensKit
import SwiftUI
import UIKit

/// Draws the model's screen: the camera preview on top, the words in a scrolling column, the
/// buttons in a bar that stays in view (a long licence scrolls above Accept and Decline).
struct ScreenView: View {
    @ObservedObject var model: LensModel
    let media: MediaCapture

    var body: some View {
        if let screen = model.screen {
            let shown = drawing(screen)
            VStack(spacing: 0) {
                if shown.preview {
                    // Decorative: the screen's words say what the camera shows.
                    CameraPreview(media: media).accessibilityHidden(true)
                }
                ScrollView {
                    column(shown.parts.filter { !$0.inBar })
                }
                column(shown.parts.filter(\.inBar))
            }
            // Other parts start afresh at the top; the same parts update in place, so the PIN
            // field keeps its focus and keyboard while the customer types.
            .id(shown.parts.map(\.kind))
        } else {
            // The engine's first screen has not reached the main actor yet: a blink, not a state.
            ProgressView()
        }
    }

    private func column(_ parts: [Part]) -> some View {
        VStack(spacing: 8) {
            ForEach(parts.indices, id: \.self) { PartView(part: parts[$0], act: model.act) }
        }
        .padding(.horizontal, 24)
        .padding(.vertical, 8)
    }
}

private struct PartView: View {
    let part: Part
    let act: @MainActor (Intent) -> Void

    var body: some View {
        switch part {
        case let .heading(text):
            Text(text).font(.title).foregroundStyle(.tint).accessibilityAddTraits(.isHeader).leading()
        case let .body(text):
            Text(text).font(.body).leading()
        case let .note(text):
            if let text {
                // Read out as it appears: the PIN's problem while typing, the technician's notices.
                Text(text).font(.body).foregroundStyle(.red).leading()
                    .onAppear { UIAccessibility.post(notification: .announcement, argument: text) }
                    .onChange(of: text) { UIAccessibility.post(notification: .announcement, argument: $0) }
            }
        case let .pinField(input, prompt):
            PinField(input: input, prompt: prompt, act: act)
        case .busy:
            ProgressView().accessibilityHidden(true)
        case let .steps(step, steps, words):
            ProgressView(value: Double(step), total: Double(steps)).accessibilityValue(words)
        case let .meter(quality):
            if let quality {
                ProgressView(value: Double(quality.bars), total: Double(quality.maxBars)).accessibilityValue(quality.label)
            }
        case let .action(button, intent):
            SwiftUI.Button { act(intent()) } label: { Text(button.label).frame(maxWidth: .infinity, minHeight: 44) }
                .buttonStyle(.borderedProminent)
                .disabled(!button.enabled)
        case let .toggle(toggle, intent):
            // The label says what a tap does ("Mute"/"Unmute"); where it stands is the model's to say.
            SwiftUI.Button { act(intent(!toggle.on)) } label: { Text(toggle.label).frame(maxWidth: .infinity, minHeight: 44) }
                .buttonStyle(.bordered)
                .disabled(!toggle.enabled)
                .accessibilityAddTraits(toggle.on ? .isSelected : [])
        }
    }
}

private extension View {
    func leading() -> some View { frame(maxWidth: .infinity, alignment: .leading) }
}
