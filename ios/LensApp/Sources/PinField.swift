import LensKit
import SwiftUI

/// The PIN field. The model holds the text; the field sends every edit as `Intent.typed` and
/// shows the model's text when it is the model's own (a link's PIN, an emptied field). No
/// length cap and no filter: a seventh digit or a pasted link is the model's to judge, in words.
struct PinField: View {
    let input: String
    let prompt: String
    let act: @MainActor (Intent) -> Void

    @State private var text = ""
    /// Texts sent and not yet drawn back. A screen showing one of them is the echo of a
    /// keystroke, possibly overtaken by the next: the field keeps what the customer typed.
    @State private var sent: [String] = []

    var body: some View {
        TextField(prompt, text: $text)
            .keyboardType(.numberPad)
            // iOS offers a PIN that arrived by SMS above the keyboard: the customer's tap, no silent read.
            .textContentType(.oneTimeCode)
            .font(.system(size: 32, weight: .medium, design: .monospaced))
            .multilineTextAlignment(.center)
            .frame(minHeight: 64)
            .onAppear { text = input }
            .onChange(of: input) { model in
                if let echo = sent.firstIndex(of: model) {
                    sent.removeFirst(echo + 1)
                } else if model != text {
                    sent.removeAll()
                    text = model
                }
            }
            .onChange(of: text) { edited in
                // The model has, or is about to have, this text: it came from there, or was sent.
                guard edited != (sent.last ?? input) else { return }
                sent.append(edited)
                act(.typed(text: edited))
            }
    }
}
