import CoreMedia
import Foundation
import LensKit

/// Camera pictures pushed as they are (the engine encodes them with openh264): the two NV12
/// planes handed over without a copy, the glue lends them to Rust for the call only.
enum FramePusher {
    static func push(_ pixels: CVPixelBuffer, at time: CMTime, to session: LensSession) throws {
        CVPixelBufferLockBaseAddress(pixels, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixels, .readOnly) }
        guard CVPixelBufferGetPlaneCount(pixels) == 2,
              let luma = CVPixelBufferGetBaseAddressOfPlane(pixels, 0),
              let chroma = CVPixelBufferGetBaseAddressOfPlane(pixels, 1) else { throw MediaError.notNV12 }
        let lumaStride = CVPixelBufferGetBytesPerRowOfPlane(pixels, 0)
        let chromaStride = CVPixelBufferGetBytesPerRowOfPlane(pixels, 1)
        let lumaBytes = lumaStride * CVPixelBufferGetHeightOfPlane(pixels, 0)
        let chromaBytes = chromaStride * CVPixelBufferGetHeightOfPlane(pixels, 1)
        let info = VideoFrameInfo(
            width: UInt32(CVPixelBufferGetWidth(pixels)), height: UInt32(CVPixelBufferGetHeight(pixels)),
            format: .nv12, stride0: UInt32(lumaStride), stride1: UInt32(chromaStride),
            // The capture connection has already turned the picture upright.
            rotationDegrees: 0, timestampUs: time.micros,
            // Camera.swift asks for video range; a full-range buffer says so in its type.
            fullRange: CVPixelBufferGetPixelFormatType(pixels) == kCVPixelFormatType_420YpCbCr8BiPlanarFullRange)
        try session.pushVideoFrame(
            plane0: Data(bytesNoCopy: luma, count: lumaBytes, deallocator: .none),
            plane1: Data(bytesNoCopy: chroma, count: chromaBytes, deallocator: .none),
            plane2: Data(), info: info)
    }
}

enum MediaError: Error { case videoToolbox(OSStatus), notNV12 }

extension CMTime {
    /// Microseconds on the host clock, the camera's and the microphone's monotonic clock.
    var micros: UInt64 { UInt64(max(0, seconds) * 1_000_000) }
}
