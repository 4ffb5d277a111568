import FieldbookCore
import NIOCore

/// How Fieldbook values and identifiers are stored in PostgreSQL columns.
///
/// A cell value is one `bytea`: a tag byte, then the payload. One column (rather than one
/// per storage class) keeps the log schema-agnostic and lets batches travel as a single
/// `bytea[]` parameter, which PostgreSQL arrays need because their elements cannot be
/// of mixed types. Reals keep their exact bit pattern, so a value survives the round
/// trip bit for bit (negative zero and NaN payloads included).
enum PostgresCoding {
    /// Tag bytes of the stored value forms.
    enum Tag: UInt8 {
        case null = 0
        case integer = 1
        case real = 2
        case text = 3
        case blob = 4
    }

    /// The stored form of a value.
    static func encode(_ value: Value) -> ByteBuffer {
        var buffer = ByteBuffer()
        switch value {
        case .null:
            buffer.writeInteger(Tag.null.rawValue)
        case .integer(let integer):
            buffer.writeInteger(Tag.integer.rawValue)
            buffer.writeInteger(integer, endianness: .big)
        case .real(let real):
            buffer.writeInteger(Tag.real.rawValue)
            buffer.writeInteger(real.bitPattern, endianness: .big)
        case .text(let text):
            buffer.writeInteger(Tag.text.rawValue)
            buffer.writeString(text)
        case .blob(let bytes):
            buffer.writeInteger(Tag.blob.rawValue)
            buffer.writeBytes(bytes)
        }
        return buffer
    }

    /// A value from its stored form.
    ///
    /// - Throws: `.corrupt` for a form this build did not write.
    static func decode(_ stored: ByteBuffer) throws -> Value {
        var buffer = stored
        guard let raw = buffer.readInteger(as: UInt8.self), let tag = Tag(rawValue: raw) else {
            throw FieldbookError(
                .corrupt, "the PostgreSQL store holds a value in an unknown form; restore from a backup")
        }
        switch tag {
        case .null:
            return .null
        case .integer:
            guard buffer.readableBytes == 8, let integer = buffer.readInteger(endianness: .big, as: Int64.self) else {
                throw FieldbookError(.corrupt, "the PostgreSQL store holds a damaged integer value")
            }
            return .integer(integer)
        case .real:
            guard buffer.readableBytes == 8, let bits = buffer.readInteger(endianness: .big, as: UInt64.self) else {
                throw FieldbookError(.corrupt, "the PostgreSQL store holds a damaged real value")
            }
            return .real(Double(bitPattern: bits))
        case .text:
            return .text(buffer.readString(length: buffer.readableBytes) ?? "")
        case .blob:
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
    }

    /// Sixteen bytes as a `bytea` parameter.
    static func bytes(_ value: Bytes16) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(value.high, endianness: .big)
        buffer.writeInteger(value.low, endianness: .big)
        return buffer
    }

    /// Sixteen bytes from a `bytea` column.
    static func bytes16(_ buffer: ByteBuffer) throws -> Bytes16 {
        var buffer = buffer
        guard buffer.readableBytes == 16, let high = buffer.readInteger(endianness: .big, as: UInt64.self),
            let low = buffer.readInteger(endianness: .big, as: UInt64.self)
        else {
            throw FieldbookError(.corrupt, "the PostgreSQL store holds an identifier that is not 16 bytes")
        }
        return Bytes16(high: high, low: low)
    }

    /// A row key as a `bytea` parameter (16 or 32 bytes).
    static func key(_ key: RowKey) -> ByteBuffer {
        var buffer = bytes(key.first.rawValue)
        if let second = key.second { buffer.writeImmutableBuffer(bytes(second.rawValue)) }
        return buffer
    }

    /// A row key from a `bytea` column.
    static func key(_ buffer: ByteBuffer) throws -> RowKey {
        guard let key = RowKey(bytes: Array(buffer.readableBytesView)) else {
            throw FieldbookError(.corrupt, "the PostgreSQL store holds a row key that is not 16 or 32 bytes")
        }
        return key
    }

    /// A hybrid time as a `bigint` (the same bits; readings fit in 63 bits until 6429).
    static func time(_ time: HLC) -> Int64 { Int64(bitPattern: time.rawValue) }

    /// A hybrid time from a `bigint`.
    static func time(_ stored: Int64) -> HLC { HLC(rawValue: UInt64(bitPattern: stored)) }

    /// The stamp a change overwrote, from its two nullable columns.
    static func previous(time: Int64?, origin: ByteBuffer?) throws -> Stamp? {
        guard let time, let origin else { return nil }
        return Stamp(time: self.time(time), origin: ReplicaID(try bytes16(origin)))
    }

    /// The empty `bytea` that stands for "no previous stamp" inside arrays, whose
    /// elements cannot be NULL in postgres-nio; statements turn it back into NULL.
    static let none = ByteBuffer()
}
