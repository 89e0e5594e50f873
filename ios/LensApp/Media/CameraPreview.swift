import AVFoundation
import SwiftUI

/// The camera's picture on the Waiting and Live screens, drawn by AVFoundation straight from
/// the capture session, filling its frame. The front camera's preview is mirrored like a
/// mirror (the layer's default); the picture sent is not.
struct CameraPreview: UIViewRepresentable {
    let media: MediaCapture

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.rotation = media.camera.rotation
        view.preview.session = media.camera.session
        view.preview.videoGravity = .resizeAspectFill
        return view
    }

    /// The camera may have started (and its connection appeared) since the last layout.
    func updateUIView(_ view: PreviewView, context: Context) { view.setNeedsLayout() }

    final class PreviewView: UIView {
        var rotation: CameraRotation?
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var preview: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }

        /// A turned interface changes the bounds, so it lands here.
        override func layoutSubviews() {
            super.layoutSubviews()
            rotation?.layout(preview, in: window?.windowScene?.interfaceOrientation)
        }
    }
}
