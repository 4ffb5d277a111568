import FieldbookCore
import Testing

@testable import FieldbookProtocol

/// The negative golden vectors: bytes a decoder must refuse, with the code it must give.
enum GoldenRejections {
    /// One negative vector.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var summary: String
        var bytes: [UInt8]
        var expected: FieldbookError.Code

        var testDescription: String { name }
    }

    static var cases: [Case] {
        let basic = WireFormat.encode(.syncRequest(GoldenMessages.basicRequest), compressionLevel: 0)
        let basicPayload = PayloadEncoder.payload(for: .syncRequest(GoldenMessages.basicRequest))
        let emptyPayload = PayloadEncoder.payload(for: .syncRequest(GoldenMessages.emptyRequest))

        // The empty request ends with its batch: range count 0, change count 0.
        var hugeCount = WireWriter()
        hugeCount.append(raw: emptyPayload.dropLast())
        hugeCount.append(varint: 2_000_000)

        var declaresTooMuch = WireWriter()
        declaresTooMuch.append(raw: basic.prefix(7))
        declaresTooMuch.append(uint32BigEndian: 64 << 20 + 1)
        declaresTooMuch.append(raw: basic.dropFirst(11))

        // Tables (four empty ones), then an error: code 5, a 2-byte message 0xC3 0x28, rest empty.
        let badUTF8: [UInt8] = [0, 0, 0, 0, 5, 2, 0xC3, 0x28, 0, 0, 0, 0]
        // Tables all empty, then a knowledge file naming ID 0 of an empty ID table.
        let missingID: [UInt8] = [0, 0, 0, 0, 0, 0]
        // A string count of 0 written in two bytes.
        let overlong: [UInt8] = [0x80, 0x00, 0, 0, 0, 0, 0, 0]

        return [
            Case(
                name: "reject-bad-magic", summary: "sync-request-basic with its first byte changed to 0x88",
                bytes: [0x88] + basic.dropFirst(), expected: .corrupt),
            Case(
                name: "reject-truncated", summary: "sync-request-basic without its last 5 bytes",
                bytes: Array(basic.dropLast(5)), expected: .corrupt),
            Case(
                name: "reject-crc-mismatch", summary: "sync-request-basic with payload byte 3 changed",
                bytes: basic.enumerated().map { $0 == Envelope.headerSize + 3 ? $1 ^ 0x01 : $1 }, expected: .corrupt),
            Case(
                name: "reject-unknown-kind", summary: "a valid envelope (CRC included) of kind 42",
                bytes: frame(MessageKind(rawValue: 42), basicPayload), expected: .unknownKind),
            Case(
                name: "reject-unsupported-version", summary: "sync-request-basic framed as format version 9",
                bytes: Envelope.frame(kind: .syncRequest, payload: basicPayload, compressionLevel: 0, version: 9),
                expected: .unsupportedVersion),
            Case(
                name: "reject-oversized-count",
                summary: "a request whose batch declares 2,000,000 changes (limit 1,000,000)",
                bytes: frame(.syncRequest, hugeCount.bytes), expected: .tooLarge),
            Case(
                name: "reject-declared-size-over-limit",
                summary: "sync-request-basic whose header declares a 64 MiB + 1 byte payload",
                bytes: declaresTooMuch.bytes, expected: .tooLarge),
            Case(
                name: "reject-trailing-bytes", summary: "sync-request-basic followed by one extra byte",
                bytes: basic + [0x00], expected: .corrupt),
            Case(
                name: "reject-payload-trailing-bytes",
                summary: "a valid envelope whose payload has one byte after the message",
                bytes: frame(.syncRequest, basicPayload + [0x00]), expected: .corrupt),
            Case(
                name: "reject-invalid-utf8", summary: "an error message whose text is the invalid UTF-8 C3 28",
                bytes: frame(.error, badUTF8), expected: .corrupt),
            Case(
                name: "reject-index-out-of-range", summary: "a knowledge file naming ID 0 of an empty ID table",
                bytes: frame(.knowledge, missingID), expected: .corrupt),
            Case(
                name: "reject-overlong-varint", summary: "a payload whose string count 0 is written as 80 00",
                bytes: frame(.knowledge, overlong), expected: .corrupt),
            Case(
                name: "reject-bad-zlib", summary: "the compressed flag set on a payload that is not a zlib stream",
                bytes: compressedFlagOn(basic), expected: .corrupt),
        ]
    }

    /// An uncompressed envelope around raw payload bytes.
    static func frame(_ kind: MessageKind, _ payload: [UInt8]) -> [UInt8] {
        Envelope.frame(kind: kind, payload: payload, compressionLevel: 0)
    }

    /// An uncompressed envelope with the compressed flag set: inflating fails before the CRC is checked.
    static func compressedFlagOn(_ envelope: [UInt8]) -> [UInt8] {
        var bytes = envelope
        bytes[6] |= Envelope.compressedFlag
        return bytes
    }
}
