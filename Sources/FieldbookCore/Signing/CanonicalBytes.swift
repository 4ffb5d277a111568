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
    public var digest: Hash256 {
        var canonical = CanonicalBytes(domain: "fieldbook-change-1")
        canonical.append(partition.rawValue)
        canonical.append(stamp.origin.rawValue)
        canonical.append(sequence)
        canonical.append(text: table)
        canonical.append(byte: UInt8(key.count))
        for part in key.parts { canonical.append(part.rawValue) }
        canonical.append(text: column)
        canonical.append(stamp.time.rawValue)
        if let previous {
            canonical.append(byte: 1)
            canonical.append(previous.time.rawValue)
            canonical.append(previous.origin.rawValue)
        } else {
            canonical.append(byte: 0)
        }
        switch value {
        case .null:
            canonical.append(byte: 0)
        case .integer(let integer):
            canonical.append(byte: 1)
            canonical.append(UInt64(bitPattern: integer))
        case .real(let real):
            canonical.append(byte: 2)
            canonical.append(real.bitPattern)
        case .text(let text):
            canonical.append(byte: 3)
            canonical.append(text: text)
        case .blob(let blob):
            canonical.append(byte: 4)
            canonical.append(blob: blob)
        }
        return Hash256.of(canonical.bytes)
    }
}
