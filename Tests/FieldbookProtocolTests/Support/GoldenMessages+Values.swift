import FieldbookCore

@testable import FieldbookProtocol

extension GoldenMessages {
    /// One change per value tag and per edge of each, plus the timestamp paths: an HLC
    /// counter, a previous stamp near its own change (reference 0) and one near the
    /// previous one before it (reference 1), a pair key, and a sequence jump.
    static var everyValueRequest: SyncRequest {
        let t = Fixtures.saturdayMorning
        let row = RowKey(Fixtures.row(1))
        let values: [(String, Value)] = [
            ("a_null", .null),
            ("an_integer", .integer(0)),
            ("an_integer", .integer(-1)),
            ("an_integer", .integer(Int64.min)),
            ("an_integer", .integer(Int64.max)),
            ("a_real", .real(3.5)),
            ("a_real", .real(-0.0)),
            ("a_real", .real(-Double.infinity)),
            ("a_text", .text("")),
            ("a_text", .text("present")),
            ("a_text", .text("present")),
            ("a_text", .text("教师发展 · Lehrerfortbildung · 👩🏽‍🏫")),
            ("a_text", .text(String(repeating: "long note ", count: 8))),
            ("a_blob", .blob([])),
            ("a_blob", .blob([0x00, 0xFF, 0x10, 0x80])),
        ]
        var changes = values.enumerated().map { index, entry in
            Fixtures.change(
                "samples", row, entry.0, entry.1, at: Fixtures.stamp(t + UInt64(index) * 250, UInt16(index % 3)),
                sequence: UInt64(index + 1),
                previous: index % 4 == 1 ? Fixtures.stamp(t - 90_000 + UInt64(index), by: Fixtures.office) : nil)
        }
        // Sequence 20 after 15: compacted sequences 16…19 are simply absent.
        changes.append(
            Fixtures.change(
                "attendance", RowKey(Fixtures.row(100), Fixtures.row(1000)), "status", .text("late"),
                at: Fixtures.stamp(t + 60_000, 65_535), sequence: 20,
                previous: Fixtures.stamp(t + 59_000, by: Fixtures.laptop)))
        return SyncRequest(
            schemaVersion: 3, replica: Fixtures.laptop, clientTime: t + 61_000, knowledge: Knowledge(),
            batch: ChangeBatch(changes: changes, ranges: [Fixtures.range(covering: changes)]))
    }
}
