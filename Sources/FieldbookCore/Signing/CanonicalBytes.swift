/// The one byte layout that signatures and digests are computed over.
///
/// It is not the wire format: the wire interns names and IDs and varies with compression,
/// while a digest must come out the same from every encoding of the same change, on every
/// store and every machine. Fixed-width integers are big-endian; variable parts carry
/// their length first, so no two different inputs share one byte string.
struct CanonicalBytes {
    private(set) var bytes: [UInt8] = []

    /// An empty buffer that starts with a domain label, so a digest of one kind can never
    /// be mistaken for another.
    init(domain: String) {
        bytes.reserveCapacity(160)
        append(text: domain)
    }

    mutating func append(_ value: UInt64) {
        // One copy of the eight bytes, not eight appends: a digest appends a dozen words.
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    mutating func append(_ id: Bytes16) {
        append(id.high)
        append(id.low)
    }

    mutating func append(text: String) {
        let utf8 = text.utf8
        append(length: utf8.count)
        bytes.append(contentsOf: utf8)
    }

    mutating func append(blob: [UInt8]) {
        append(length: blob.count)
        bytes.append(contentsOf: blob)
    }

    mutating func append(_ hash: Hash256) {
        hash.withBytes { bytes.append(contentsOf: $0) }
    }

    private mutating func append(length: Int) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).bigEndian) { bytes.append(contentsOf: $0) }
    }
}

extension Change {
    /// The change's digest: SHA-256 over every field of the change (its cell, value, stamp,
    /// sequence and previous stamp) in ``CanonicalBytes`` layout.
    ///
    /// Two changes with the same digest are the same change, so an origin's signature over
    /// a chain of digests (``StreamCertificate``) covers every byte a receiver merges.
    ///
    /// The bytes are written once into a buffer of their exact size (a push hashes every
    /// change it sends; growing an array field by field was a third of that cost).
    public var digest: Hash256 {
        let table = self.table.utf8
        let column = self.column.utf8
        var size = Self.digestDomain.count + 16 + 16 + 8 + 4 + table.count + 1 + 16 * key.count + 4 + column.count + 8
        size += previous == nil ? 1 : 1 + 8 + 16
        switch value {
        case .null: size += 1
        case .integer, .real: size += 9
        case .text(let text): size += 1 + 4 + text.utf8.count
        case .blob(let blob): size += 1 + 4 + blob.count
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var writer = CanonicalWriter(buffer: buffer)
            writer.append(raw: Self.digestDomain)
            writer.append(partition.rawValue)
            writer.append(stamp.origin.rawValue)
            writer.append(sequence)
            writer.append(text: table)
            writer.append(byte: UInt8(key.count))
            for part in key.parts { writer.append(part.rawValue) }
            writer.append(text: column)
            writer.append(stamp.time.rawValue)
            if let previous {
                writer.append(byte: 1)
                writer.append(previous.time.rawValue)
                writer.append(previous.origin.rawValue)
            } else {
                writer.append(byte: 0)
            }
            switch value {
            case .null:
                writer.append(byte: 0)
            case .integer(let integer):
                writer.append(byte: 1)
                writer.append(UInt64(bitPattern: integer))
            case .real(let real):
                writer.append(byte: 2)
                writer.append(real.bitPattern)
            case .text(let text):
                writer.append(byte: 3)
                writer.append(text: text.utf8)
            case .blob(let blob):
                writer.append(byte: 4)
                writer.append(text: blob)
            }
            count = writer.count
        }
        return Hash256.of(bytes)
    }

    /// `CanonicalBytes(domain: "fieldbook-change-1")`'s first bytes, made once.
    static let digestDomain = CanonicalBytes(domain: "fieldbook-change-1").bytes
}

/// Writes ``CanonicalBytes``' layout into a buffer sized beforehand.
private struct CanonicalWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    mutating func append(byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    mutating func append(raw: [UInt8]) {
        for byte in raw { append(byte: byte) }
    }

    mutating func append(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { append(byte: UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func append(_ id: Bytes16) {
        append(id.high)
        append(id.low)
    }

    /// A length (4 bytes, big-endian), then the bytes.
    mutating func append(text: some Collection<UInt8>) {
        let length = UInt32(truncatingIfNeeded: text.count)
        for shift in stride(from: 24, through: 0, by: -8) { append(byte: UInt8(truncatingIfNeeded: length >> shift)) }
        for byte in text { append(byte: byte) }
    }
}
