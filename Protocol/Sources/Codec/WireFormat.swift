import FieldbookCore

/// The Fieldbook wire format: a versioned, checksummed, compressed envelope around one
/// ``Message`` (specified in `Protocol/PROTOCOL.md`).
///
/// The same bytes are an HTTP body (`POST /v1/sync`), a bundle file or a knowledge file.
///
/// ```swift
/// let body = WireFormat.encode(.syncRequest(request))
/// let reply = try WireFormat.decode(responseBody)
/// ```
public enum WireFormat {
    /// The envelope format version of single-envelope messages: bundles, knowledge files
    /// and error answers (frozen, so every client can read a refusal forever).
    public static let version: UInt8 = 1

    /// The envelope format version of frames: a sync round's request and answer, and a
    /// bundle file, are a sequence of version-3 envelopes (PROTOCOL.md, "Frames"). Version 3
    /// added the origins' proofs to change frames and their public keys to the opening
    /// frames; version 2 (the same without them) is still read from bundle files.
    public static let framedVersion: UInt8 = 3

    /// The frame versions this build reads: sync rounds take only ``framedVersion``, bundle
    /// files also version 2.
    public static let readableFrameVersions: ClosedRange<UInt8> = 2...3

    /// Every envelope format version this build reads.
    public static let supportedVersions: [UInt8] = [1, 2, 3]

    /// The HTTP media type of an encoded message, for `Content-Type` and `Accept`.
    public static let contentType = "application/vnd.fieldbook"

    /// Encodes a message into its envelope.
    ///
    /// Encoding is deterministic: the same message and level always give the same bytes
    /// (with the same zlib), because dictionaries are written in sorted order and every
    /// interning table in order of first use.
    ///
    /// - Parameters:
    ///   - message: the message.
    ///   - compressionLevel: zlib's level, 1 (fastest) to 9 (smallest), negative for zlib's
    ///     default; 0 stores the payload uncompressed. A payload that deflating would not
    ///     shrink is stored as is.
    /// - Complexity: O(n) in the size of the message.
    public static func encode(_ message: Message, compressionLevel: Int32 = 6) -> [UInt8] {
        let payload = PayloadEncoder.payload(for: message, version: version)
        return Envelope.frame(kind: message.kind, payload: payload, compressionLevel: compressionLevel)
    }

    /// Encodes a message as one frame of a framed sync round: a version-2 envelope,
    /// compressed and checksummed on its own, so a receiver can commit it before the rest
    /// of the stream has arrived.
    public static func frame(_ message: Message, compressionLevel: Int32 = 6) -> [UInt8] {
        frame(message, compressionLevel: compressionLevel, version: framedVersion)
    }

    /// A frame of an older format version, for tests of what this build still reads.
    static func frame(_ message: Message, compressionLevel: Int32, version: UInt8) -> [UInt8] {
        let payload = PayloadEncoder.payload(for: message, version: version)
        return Envelope.frame(
            kind: message.kind, payload: payload, compressionLevel: compressionLevel, version: version)
    }

    /// Decodes one message from its envelope, refusing anything malformed without trapping.
    ///
    /// - Parameters:
    ///   - bytes: exactly one envelope: no bytes before or after it.
    ///   - limits: the most this receiver accepts; checked before allocating.
    /// - Throws: ``FieldbookError`` with code `.corrupt` (bad magic, truncation, CRC
    ///   mismatch, malformed payload, trailing bytes), `.tooLarge` (over `limits`),
    ///   `.unsupportedVersion` (a format version this build cannot read) or
    ///   `.unknownKind` (a message kind from a newer peer).
    /// - Complexity: O(n) in the size of the decoded payload.
    public static func decode(
        _ bytes: some Collection<UInt8>, limits: DecodeLimits = .init()
    ) throws(FieldbookError) -> Message {
        guard bytes.count <= limits.maxEncodedBytes else {
            throw WireError.tooLarge("the message size", bytes.count, limit: limits.maxEncodedBytes)
        }
        let (version, kind, payload) = try Envelope.open(Array(bytes), limits: limits)
        return try PayloadDecoder.message(kind: kind, payload: payload, version: version, limits: limits)
    }
}
