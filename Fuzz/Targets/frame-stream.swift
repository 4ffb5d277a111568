// libFuzzer target: the frame reader of a framed sync round (`FrameReader`).
//
// Any byte stream, cut into chunks at any points, must yield whole frames or be refused
// with a `FieldbookError`: never trap, hang or read out of bounds. Where the stream is cut
// must not matter: chunked reading gives the same frames, and the same refusal, as reading
// it whole. Every frame that decodes survives a round trip through `WireFormat.frame`.
import FieldbookCore
import FieldbookProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = DecodeLimits(maxEncodedBytes: 1 << 20, maxDecodedBytes: 4 << 20, maxChanges: 20_000)
    // The first byte picks the chunk size (1…256 bytes), the rest is the stream.
    let chunk = Int(bytes.first ?? 0) + 1
    let stream = Array(bytes.dropFirst())

    func read(_ pieces: [ArraySlice<UInt8>]) -> (frames: [[UInt8]], error: FieldbookError.Code?) {
        var reader = FrameReader(limits: limits)
        var frames: [[UInt8]] = []
        do {
            for piece in pieces {
                reader.append(piece)
                while let message = try reader.next() { frames.append(WireFormat.frame(message, compressionLevel: 0)) }
            }
        } catch {
            return (frames, error.code)
        }
        return (frames, nil)
    }
    let whole = read([stream[...]])
    let chunked = read(stride(from: 0, to: stream.count, by: chunk).map { stream[$0..<min($0 + chunk, stream.count)] })
    guard whole.frames == chunked.frames, whole.error == chunked.error else {
        fatalError("reading in chunks of \(chunk) gives other frames than reading whole")
    }
    for frame in whole.frames {
        var again = FrameReader(limits: limits)
        again.append(frame)
        guard let message = try? again.next(), WireFormat.frame(message, compressionLevel: 0) == frame else {
            fatalError("a decoded frame does not survive encode + decode")
        }
    }
    return 0
}
