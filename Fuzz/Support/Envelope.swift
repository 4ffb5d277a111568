// Shared by every fuzz target: building valid envelopes around fuzzer bytes, so the
// fuzzer reaches the payload decoder instead of stopping at the CRC.

/// CRC-32/ISO-HDLC, as the envelope uses (PROTOCOL.md section 2).
enum FuzzCRC {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

enum FuzzInput {
    static let magic: [UInt8] = [0x89, 0x46, 0x42, 0x4B]

    /// The fuzzer's bytes as an envelope: as they are when they start with the magic (the
    /// seed corpus: golden vectors), else `kind` (or the first byte) and an uncompressed
    /// payload of the rest, with a correct header and CRC.
    static func envelope(_ data: UnsafePointer<UInt8>, _ size: Int, kind fixedKind: UInt8? = nil) -> [UInt8] {
        let bytes = Array(UnsafeBufferPointer(start: data, count: size))
        if bytes.starts(with: magic) { return bytes }
        var payload = bytes[...]
        let kind: UInt8
        if let fixedKind {
            kind = fixedKind
        } else {
            kind = payload.popFirst() ?? 1
        }
        return frame(kind: kind, payload: Array(payload))
    }

    /// An uncompressed envelope of `version` (1: a single message, 3: a frame) around
    /// `payload`, with a correct header and CRC.
    static func frame(kind: UInt8, payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        var header = magic + [version, kind, 0]
        header += bigEndian(UInt32(payload.count)) + bigEndian(UInt32(payload.count))
        return header + bigEndian(FuzzCRC.checksum(header + payload)) + payload
    }
}

extension FuzzInput {
    /// The fuzzer's bytes as a stream of frames: as they are when they start with the
    /// magic (the seed corpus: golden vectors), else records of a kind byte, a 2-byte
    /// big-endian length and that many payload bytes, each made a valid frame of the
    /// current version (3), so the fuzzer reaches the payloads and the order of frames.
    static func frames(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        let bytes = Array(UnsafeBufferPointer(start: data, count: size))
        if bytes.starts(with: magic) { return bytes }
        var rest = bytes[...]
        var stream: [UInt8] = []
        while let kind = rest.popFirst() {
            let high = Int(rest.popFirst() ?? 0)
            let low = Int(rest.popFirst() ?? 0)
            let payload = rest.prefix(high << 8 | low)
            rest = rest.dropFirst(payload.count)
            stream += frame(kind: kind, payload: Array(payload), version: 3)
        }
        return stream
    }
}
