import FieldbookCore

/// Appends the primitive encodings of the wire format (PROTOCOL.md, "Primitive types")
/// to a growing byte buffer.
struct WireWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// One raw byte.
    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// `0` or `1`.
    mutating func append(bool: Bool) {
        bytes.append(bool ? 1 : 0)
    }

    /// Raw bytes, with no length.
    mutating func append(raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// An unsigned LEB128 varint: seven bits a byte, least significant group first, the
    /// high bit set on every byte but the last. Always the shortest form.
    mutating func append(varint value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A signed value as a zigzag varint: 0, -1, 1, -2… map to 0, 1, 2, 3…, so small
    /// magnitudes of either sign stay short.
    mutating func append(zigzag value: Int64) {
        append(varint: Self.zigzag(value))
    }

    /// A 32-bit value, four bytes big-endian (used only in the fixed-size envelope header).
    mutating func append(uint32BigEndian value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// A 128-bit ID: its sixteen bytes, most significant first.
    mutating func append(bytes16 value: Bytes16) {
        for word in [value.high, value.low] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
    }

    /// An IEEE 754 binary64: its bit pattern, eight bytes big-endian, so every value
    /// (negative zero, NaN payloads) survives exactly.
    mutating func append(double value: Double) {
        let bits = value.bitPattern
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
    }

    /// A varint length, then the bytes.
    mutating func append(lengthPrefixed raw: some Collection<UInt8>) {
        append(varint: UInt64(raw.count))
        bytes.append(contentsOf: raw)
    }

    /// A string as its UTF-8 bytes, length first.
    mutating func append(string: String) {
        append(lengthPrefixed: string.utf8)
    }

    /// The zigzag mapping of a signed value.
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }
}
