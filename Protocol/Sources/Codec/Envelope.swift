import FieldbookCore

/// The fixed header in front of every payload, and the checks that open it
/// (PROTOCOL.md, "Envelope").
///
/// ```
/// offset  size  field
///  0      4     magic 89 46 42 4B ("\x89FBK")
///  4      1     format version
///  5      1     kind
///  6      1     flags (bit 0: payload is zlib-compressed)
///  7      4     payload length, uncompressed (big-endian)
/// 11      4     stored length, as carried (big-endian)
/// 15      4     CRC-32 of bytes 0..<15, then of the uncompressed payload (big-endian)
/// 19      …     stored payload
/// ```
enum Envelope {
    /// The first four bytes of every message. `0x89` is not valid leading UTF-8 and has
    /// the high bit set, so text files and 7-bit mangling never pass for a message.
    static let magic: [UInt8] = [0x89, 0x46, 0x42, 0x4B]
    /// The size of the version-1 header.
    static let headerSize = 19
    /// Flag bit 0: the stored payload is a zlib stream.
    static let compressedFlag: UInt8 = 0x01

    /// Frames a payload: the header, then the payload deflated at `compressionLevel`
    /// (stored as is at level 0, or when deflating would not make it smaller).
    static func frame(
        kind: MessageKind, payload: [UInt8], compressionLevel: Int32, version: UInt8 = WireFormat.version
    ) -> [UInt8] {
        precondition(payload.count <= Int(UInt32.max), "a Fieldbook payload must stay under 4 GiB")
        var stored = payload
        var flags: UInt8 = 0
        if compressionLevel != 0 {
            let deflated = Compression.deflate(payload, level: compressionLevel)
            if deflated.count < payload.count {
                stored = deflated
                flags |= compressedFlag
            }
        }
        var header = WireWriter(capacity: headerSize + stored.count)
        header.append(raw: magic)
        header.append(byte: version)
        header.append(byte: kind.rawValue)
        header.append(byte: flags)
        header.append(uint32BigEndian: UInt32(payload.count))
        header.append(uint32BigEndian: UInt32(stored.count))
        let crc = Compression.crc32(payload, continuing: Compression.crc32(header.bytes))
        var framed = header
        framed.append(uint32BigEndian: crc)
        framed.append(raw: stored)
        return framed.bytes
    }

    /// Opens an envelope: checks the header against `limits`, inflates and verifies the
    /// payload, and returns it with its kind.
    ///
    /// Checks run in the order a newer peer needs: magic, then version (a later version
    /// may lay out everything after byte 4 differently), then kind, then the rest.
    static func open(
        _ bytes: [UInt8], limits: DecodeLimits
    ) throws(FieldbookError) -> (version: UInt8, kind: MessageKind, payload: [UInt8]) {
        guard bytes.count <= limits.maxEncodedBytes else {
            throw WireError.tooLarge("the message size", bytes.count, limit: limits.maxEncodedBytes)
        }
        guard bytes.starts(with: magic.prefix(bytes.count)) else {
            throw WireError.corrupt("not a Fieldbook message (bad magic bytes)")
        }
        guard bytes.count > magic.count else { throw WireError.corrupt("envelope cut short at \(bytes.count) bytes") }
        let version = bytes[4]
        guard WireFormat.supportedVersions.contains(version) else { throw WireError.unsupportedVersion(version) }
        guard bytes.count >= headerSize else { throw WireError.corrupt("envelope cut short at \(bytes.count) bytes") }

        var reader = WireReader(bytes)
        _ = try reader.readRaw(count: 5)
        let kind = MessageKind(rawValue: try reader.readByte())
        guard MessageKind.known.contains(kind) else { throw WireError.unknownKind(kind) }
        let flags = try reader.readByte()
        guard flags & ~compressedFlag == 0 else {
            throw WireError.corrupt("unknown envelope flags 0x\(String(flags, radix: 16))")
        }
        let payloadLength = Int(try reader.readUInt32BigEndian())
        let storedLength = Int(try reader.readUInt32BigEndian())
        let crc = try reader.readUInt32BigEndian()
        guard payloadLength <= limits.maxDecodedBytes else {
            throw WireError.tooLarge("the decoded payload", payloadLength, limit: limits.maxDecodedBytes)
        }
        guard storedLength <= reader.remaining else {
            throw WireError.corrupt(
                "envelope cut short: \(storedLength) payload bytes declared, \(reader.remaining) present")
        }
        guard storedLength == reader.remaining else {
            throw WireError.corrupt("\(reader.remaining - storedLength) unexpected bytes after the payload")
        }

        let stored = try reader.readRaw(count: storedLength)
        let payload: [UInt8]
        if flags & compressedFlag != 0 {
            payload = try Compression.inflate(stored, expectedCount: payloadLength)
        } else {
            guard storedLength == payloadLength else {
                throw WireError.corrupt("uncompressed payload is \(storedLength) bytes but declares \(payloadLength)")
            }
            payload = Array(stored)
        }
        let actual = Compression.crc32(payload, continuing: Compression.crc32(Array(bytes[0..<15])))
        guard actual == crc else {
            throw WireError.corrupt(
                "CRC mismatch (header says \(hex(crc)), payload gives \(hex(actual)))")
        }
        return (version, kind, payload)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
