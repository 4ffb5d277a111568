import FieldbookCore
import Testing

@testable import FieldbookProtocol

struct PayloadEncoderTests {
    @Test func everyIDIsStoredOncePerMessage() {
        let request = GoldenMessages.attendanceRequest
        let payload = PayloadEncoder.payload(for: .syncRequest(request))
        let ids = Set(request.batch.changes.flatMap { $0.key.parts.map(\.rawValue) + [$0.origin.rawValue] })
        for id in ids {
            #expect(occurrences(of: id.bytes, in: payload) == 1, "\(id.hex)")
        }
    }

    @Test func shortTextsThatRepeatAreInterned() {
        let long = String(repeating: "z", count: ValueTag.maximumInternedLength + 1)
        let texts = ["present", "present", "present", "once", long, long]
        let payload = PayloadEncoder.payload(for: .bundle(bundle(texts.map(Value.text))))
        #expect(occurrences(of: Array("present".utf8), in: payload) == 1)
        #expect(occurrences(of: Array("once".utf8), in: payload) == 1)
        #expect(occurrences(of: Array(long.utf8), in: payload) == 2)
    }

    @Test func canonicallyEquivalentTextsKeepTheirOwnBytes() throws {
        // "é" precomposed and decomposed are equal Strings in Swift but different bytes
        // in SQLite; the codec must not merge them when interning.
        let spellings = ["\u{E9}", "e\u{301}", "\u{E9}", "e\u{301}"]
        let bytes = WireFormat.encode(.bundle(bundle(spellings.map(Value.text))))
        guard case .bundle(let decoded) = try WireFormat.decode(bytes) else {
            Issue.record("not a bundle")
            return
        }
        let decodedBytes = decoded.batch.changes.map { Array($0.value.text?.utf8 ?? "".utf8) }
        #expect(decodedBytes == spellings.map { Array($0.utf8) })
    }

    @Test func aContiguousStreamSpendsOneByteOnEachSequence() {
        // Same batch, sequences contiguous versus spread out: the contiguous one must be
        // smaller by the extra varint bytes the jumps take.
        let contiguous = GoldenMessages.attendanceRequest
        var spread = contiguous
        spread.batch.changes = spread.batch.changes.enumerated().map { index, change in
            var change = change
            change.sequence = UInt64(index) * 1_000 + 1
            return change
        }
        let contiguousSize = PayloadEncoder.payload(for: .syncRequest(contiguous)).count
        let spreadSize = PayloadEncoder.payload(for: .syncRequest(spread)).count
        #expect(spreadSize - contiguousSize >= contiguous.batch.changes.count - 1)
    }

    private func bundle(_ values: [Value]) -> Bundle {
        let changes = values.enumerated().map { index, value in
            Fixtures.change(
                "notes", RowKey(Fixtures.row(1)), "body", value, at: Fixtures.stamp(Fixtures.saturdayMorning),
                sequence: UInt64(index + 1))
        }
        return Bundle(
            schemaVersion: 3, author: Fixtures.laptop, createdAt: 0, knowledge: Knowledge(),
            batch: ChangeBatch(changes: changes))
    }

    private func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard needle.count <= haystack.count else { return 0 }
        return (0...(haystack.count - needle.count)).filter { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
            .count
    }
}
