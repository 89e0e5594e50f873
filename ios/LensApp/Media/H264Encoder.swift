import Foundation
import LensKit
import os
import VideoToolbox

/// VideoToolbox's H.264 encoder: upright camera pictures in, Annex B access units with SPS and
/// PPS before every keyframe out to `pushH264`. Made for one size (a turned phone needs a new
/// one); used from one queue, while VideoToolbox calls the output handler on its own thread.
final class H264Encoder {
    /// Where the engine's first bitrate would be for 720p30, as on Android; its requests follow.
    static let startBitrate: UInt32 = 2_500_000

    let width: Int32, height: Int32
    private let compressor: VTCompressionSession, session: LensSession
    /// The engine asked for one (a new receiver, a picture loss): the next picture is one.
    var keyframeDue = false

    init(session: LensSession, width: Int32, height: Int32, bitrate: UInt32) throws {
        self.session = session
        self.width = width
        self.height = height
        compressor = try Self.makeCompressor(width: width, height: height)
        setBitrate(bitrate)
        VTCompressionSessionPrepareToEncodeFrames(compressor)
    }

    deinit { VTCompressionSessionInvalidate(compressor) }

    /// Whether this device makes what the engine offers (constrained baseline, real time).
    static func available(width: Int32, height: Int32) -> Bool {
        (try? makeCompressor(width: width, height: height)).map { VTCompressionSessionInvalidate($0) } != nil
    }

    func encode(_ pixels: CVPixelBuffer, at time: CMTime) throws {
        let options = keyframeDue ? [kVTEncodeFrameOptionKey_ForceKeyFrame: true] as CFDictionary : nil
        keyframeDue = false
        let status = VTCompressionSessionEncodeFrame(
            compressor, imageBuffer: pixels, presentationTimeStamp: time, duration: .invalid,
            frameProperties: options, infoFlagsOut: nil
        ) { [session] status, _, sample in
            guard status == noErr, let sample else { return }
            Self.push(sample, to: session)
        }
        guard status == noErr else { throw MediaError.videoToolbox(status) }
    }

    func setBitrate(_ bps: UInt32) {
        VTSessionSetProperty(compressor, key: kVTCompressionPropertyKey_AverageBitRate, value: NSNumber(value: bps))
        // The average alone lets a keyframe burst past what the network takes: cap each second at 1.5 times it.
        let limits = [NSNumber(value: Double(bps) * 1.5 / 8), NSNumber(value: 1)] as CFArray
        VTSessionSetProperty(compressor, key: kVTCompressionPropertyKey_DataRateLimits, value: limits)
    }

    private static func makeCompressor(width: Int32, height: Int32) throws -> VTCompressionSession {
        var made: VTCompressionSession?
        var status = VTCompressionSessionCreate(
            allocator: nil, width: width, height: height, codecType: kCMVideoCodecType_H264,
            encoderSpecification: nil, imageBufferAttributes: nil, compressedDataAllocator: nil,
            outputCallback: nil, refcon: nil, compressionSessionOut: &made)
        guard status == noErr, let compressor = made else { throw MediaError.videoToolbox(status) }
        let properties: [CFString: Any] = [
            kVTCompressionPropertyKey_RealTime: true,
            // The engine offers profile-level-id 42e01f; the level follows from 720p30.
            kVTCompressionPropertyKey_ProfileLevel: kVTProfileLevel_H264_ConstrainedBaseline_AutoLevel,
            kVTCompressionPropertyKey_AllowFrameReordering: false,
            kVTCompressionPropertyKey_ExpectedFrameRate: MediaCapture.fps,
            // Keyframes come when the engine asks; this is the backstop.
            kVTCompressionPropertyKey_MaxKeyFrameInterval: MediaCapture.fps * 10,
            kVTCompressionPropertyKey_MaxKeyFrameIntervalDuration: 10,
        ]
        status = VTSessionSetProperties(compressor, propertyDictionary: properties as CFDictionary)
        guard status == noErr else {
            VTCompressionSessionInvalidate(compressor)
            throw MediaError.videoToolbox(status)
        }
        return compressor
    }

    /// AVCC (length-prefixed NAL units) to Annex B (start codes), SPS and PPS first on keyframes.
    private static func push(_ sample: CMSampleBuffer, to session: LensSession) {
        guard let block = CMSampleBufferGetDataBuffer(sample),
              let format = CMSampleBufferGetFormatDescription(sample) else { return }
        let attachments = CMSampleBufferGetSampleAttachmentsArray(sample, createIfNecessary: false) as? [[CFString: Any]]
        let keyframe = attachments?.first?[kCMSampleAttachmentKey_NotSync] as? Bool != true
        let startCode: [UInt8] = [0, 0, 0, 1]
        var (unit, sets, prefix) = (Data(), 0, Int32(4))
        CMVideoFormatDescriptionGetH264ParameterSetAtIndex(
            format, parameterSetIndex: 0, parameterSetPointerOut: nil, parameterSetSizeOut: nil,
            parameterSetCountOut: &sets, nalUnitHeaderLengthOut: &prefix)
        for index in 0..<(keyframe ? sets : 0) {
            var bytes: UnsafePointer<UInt8>?
            var size = 0
            guard CMVideoFormatDescriptionGetH264ParameterSetAtIndex(
                format, parameterSetIndex: index, parameterSetPointerOut: &bytes, parameterSetSizeOut: &size,
                parameterSetCountOut: nil, nalUnitHeaderLengthOut: nil) == noErr, let bytes else { return }
            unit.append(contentsOf: startCode)
            unit.append(bytes, count: size)
        }
        // The block buffer need not be contiguous: copy it out in one piece.
        let total = CMBlockBufferGetDataLength(block)
        var avcc = [UInt8](repeating: 0, count: total)
        guard CMBlockBufferCopyDataBytes(block, atOffset: 0, dataLength: total, destination: &avcc) == noErr else { return }
        let n = Int(prefix)
        var at = 0
        while at + n <= total {
            let length = avcc[at..<at + n].reduce(0) { $0 << 8 | Int($1) }
            at += n
            guard length > 0, at + length <= total else { break }
            unit.append(contentsOf: startCode)
            unit.append(contentsOf: avcc[at..<at + length])
            at += length
        }
        do {
            let time = CMSampleBufferGetPresentationTimeStamp(sample)
            // Turned upright by the capture connection (CameraRotation): no turn left.
            try session.pushH264(accessUnit: unit, keyframe: keyframe, timestampUs: time.micros, rotationDegrees: 0)
        } catch {
            // Only a malformed unit is refused: a bug worth each line in the log.
            mediaLog.error("access unit refused: \(error.localizedDescription, privacy: .public)")
        }
    }
}
