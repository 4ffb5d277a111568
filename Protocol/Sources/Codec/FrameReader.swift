import FieldbookCore

/// Cuts a byte stream into frames as it arrives: the receiving half of a framed sync
/// round (PROTOCOL.md, "Frames").
///
/// Bytes are appended as the network delivers them; ``next()`` returns each frame once
/// it is complete, decoded and verified, so the caller commits it before the next one
/// has arrived. A connection cut in the middle of a frame leaves ``pendingBytes`` behind:
/// that frame, and only that frame, is lost.
///
/// ```swift
/// var reader = FrameReader()
/// for try await chunk in body {
///     reader.append(chunk)
///     while let message = try reader.next() { try commit(message) }
/// }
/// ```
public struct FrameReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    private let limits: DecodeLimits
    private var versions: ClosedRange<UInt8>
    /// Bytes taken in so far, whole frames and the pending one.
    public private(set) var bytesRead = 0
    /// Complete frames returned so far.
    public private(set) var framesRead = 0

    /// A reader that refuses frames over `limits`, and frames of a format version outside
    /// `versions` (a sync round takes only the current one; a bundle file also the older
    /// ones). Every frame of one stream has the version of its first.
    public init(
        limits: DecodeLimits = .frame,
        versions: ClosedRange<UInt8> = WireFormat.framedVersion...WireFormat.framedVersion
    ) {
        self.limits = limits
        self.versions = versions
    }

    /// Bytes of a frame not complete yet.
    public var pendingBytes: Int { buffer.count - start }

    /// Takes in the next bytes of the stream.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
        bytesRead += bytes.count
    }

    /// The format version and kind of the first envelope, once its sixth byte has arrived:
    /// a server tells an old client's single-envelope request from a framed one by it.
    public var leadingHeader: (version: UInt8, kind: MessageKind)? {
        guard framesRead == 0, pendingBytes > 5, buffer[start..<start + 4].elementsEqual(Envelope.magic) else {
            return nil
        }
        return (buffer[start + 4], MessageKind(rawValue: buffer[start + 5]))
    }

    /// The next complete frame, or `nil` until more bytes arrive.
    ///
    /// - Throws: `.corrupt` for bytes that are not a frame (bad magic, bad CRC, a
    ///   malformed payload), `.unsupportedVersion` for an envelope of another format
    ///   version than frames use, `.tooLarge` for a frame over the limits.
    public mutating func next() throws(FieldbookError) -> Message? {
        let available = pendingBytes
        let magic = Envelope.magic
        for index in 0..<min(available, magic.count) where buffer[start + index] != magic[index] {
            throw WireError.corrupt("frame \(framesRead + 1) does not start with the Fieldbook magic bytes")
        }
        guard available > magic.count else { return nil }
        let version = buffer[start + 4]
        guard versions.contains(version) else { throw WireError.unsupportedVersion(version) }
        guard available >= Envelope.headerSize else { return nil }
        let stored = (11..<15).reduce(0) { $0 << 8 | Int(buffer[start + $1]) }
        let total = Envelope.headerSize + stored
        guard total <= limits.maxEncodedBytes else {
            throw WireError.tooLarge("a frame", total, limit: limits.maxEncodedBytes)
        }
        guard available >= total else { return nil }
        // A frame may inflate to 64 times its stored size (1 MiB at least): a few KB of
        // zeros can declare megabytes, and a decoder allocates what the payload declares.
        var frameLimits = limits
        frameLimits.maxDecodedBytes = min(limits.maxDecodedBytes, max(1 << 20, stored * 64))
        let (_, kind, payload) = try Envelope.open(Array(buffer[start..<start + total]), limits: frameLimits)
        start += total
        framesRead += 1
        versions = version...version
        return try PayloadDecoder.message(kind: kind, payload: payload, version: version, limits: frameLimits)
    }
}
