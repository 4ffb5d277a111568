import FieldbookCore

/// Reads the primitive encodings of the wire format from a byte buffer, refusing
/// anything malformed with a `.corrupt` error.
///
/// Every read checks the bytes left before touching them and every number is checked
/// before it is used as a size or an index, so no input can make decoding trap.
struct WireReader {
    private let bytes: [UInt8]
    /// The position of the next byte to read.
    private(set) var offset = 0

    /// A reader at the start of `bytes`.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// How many bytes are left.
    var remaining: Int { bytes.count - offset }

    /// One raw byte.
    mutating func readByte() throws(FieldbookError) -> UInt8 {
        guard offset < bytes.count else { throw WireError.corrupt("payload ends early at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// `count` raw bytes.
    mutating func readRaw(count: Int) throws(FieldbookError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw WireError.corrupt("payload ends early: \(count) bytes needed at byte \(offset), \(remaining) left")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// A byte that must be `0` or `1`.
    mutating func readBool() throws(FieldbookError) -> Bool {
        let at = offset
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let other: throw WireError.corrupt("invalid boolean \(other) at byte \(at)")
        }
    }

    /// An unsigned LEB128 varint in its shortest form, at most ten bytes.
    mutating func readVarint() throws(FieldbookError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        for index in 0..<10 {
            let byte = try readByte()
            let group = UInt64(byte & 0x7F)
            // The tenth byte holds the 64th bit alone; anything more overflows 64 bits.
            guard index < 9 || group <= 1 else { throw WireError.corrupt("varint overflows 64 bits at byte \(start)") }
            value |= group << UInt64(7 * index)
            if byte & 0x80 == 0 {
                // A final zero group after the first byte means a longer form than needed:
                // refused so every value has exactly one encoding.
                guard index == 0 || group != 0 else { throw WireError.corrupt("overlong varint at byte \(start)") }
                return value
            }
        }
        throw WireError.corrupt("varint overflows 64 bits at byte \(start)")
    }

    /// A varint that must fit in `T` (a field declared 16 or 32 bits wide).
    mutating func readVarint<T: FixedWidthInteger & UnsignedInteger>(
        as type: T.Type, _ field: String
    ) throws(FieldbookError) -> T {
        let start = offset
        let value = try readVarint()
        guard let narrow = T(exactly: value) else {
            throw WireError.corrupt("\(field) \(value) at byte \(start) does not fit in \(T.bitWidth) bits")
        }
        return narrow
    }

    /// A zigzag varint: a signed value.
    mutating func readZigzag() throws(FieldbookError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Four bytes big-endian.
    mutating func readUInt32BigEndian() throws(FieldbookError) -> UInt32 {
        try readRaw(count: 4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Sixteen bytes, most significant first.
    mutating func readBytes16() throws(FieldbookError) -> Bytes16 {
        let raw = try readRaw(count: 16)
        let high = raw.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        let low = raw.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
        return Bytes16(high: high, low: low)
    }

    /// An IEEE 754 binary64 from its big-endian bit pattern.
    mutating func readDouble() throws(FieldbookError) -> Double {
        Double(bitPattern: try readRaw(count: 8).reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// A varint length, then that many bytes.
    mutating func readLengthPrefixed() throws(FieldbookError) -> ArraySlice<UInt8> {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw WireError.corrupt("length \(length) at byte \(start) runs past the end of the payload")
        }
        return try readRaw(count: Int(length))
    }

    /// A length-prefixed string that must be valid UTF-8.
    mutating func readString() throws(FieldbookError) -> String {
        let start = offset
        let raw = try readLengthPrefixed()
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw WireError.corrupt("invalid UTF-8 in the string at byte \(start)")
        }
        return string
    }

    /// A count of items that each take at least `minimumSize` bytes: refused when the
    /// payload could not hold that many, so a forged count never drives an allocation.
    mutating func readCount(of items: String, minimumSize: Int) throws(FieldbookError) -> Int {
        let start = offset
        let count = try readVarint()
        guard count <= UInt64(remaining / max(minimumSize, 1)) else {
            throw WireError.corrupt("\(items) count \(count) at byte \(start) is more than the payload can hold")
        }
        return Int(count)
    }

    /// A varint index into a table of `count` entries.
    mutating func readIndex(into count: Int, of table: String) throws(FieldbookError) -> Int {
        let start = offset
        let index = try readVarint()
        guard index < UInt64(count) else {
            throw WireError.corrupt("\(table) index \(index) at byte \(start) is out of range (\(count) entries)")
        }
        return Int(index)
    }

    /// Refuses anything left over after the message: a well-formed payload is read to its end.
    func finish() throws(FieldbookError) {
        guard remaining == 0 else { throw WireError.corrupt("\(remaining) unexpected bytes after the message") }
    }
}
