import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import GRDB
import Testing

/// Values keep their type on the SQLite store: what a change carries is what the replica
/// reads back, relays and files in the ledger, bit for bit, whatever column it lands in
/// (as on the PostgreSQL store, `PostgresValueTests`).
struct ExactValuesTests {
    /// Values that SQLite's column affinity used to convert, each with a column of a kind
    /// that would have converted it.
    static let awkward: [(table: String, column: String, value: Value)] = [
        ("participants", "name", .integer(815)),
        ("participants", "school", .real(1000)),
        ("participants", "city", .blob([0x00, 0xFF, 0x30])),
        ("participants", "email", .text("0815")),
        ("events", "module", .text("0815")),
        ("events", "title", .real(-0.0)),
        ("events", "zone", .integer(Int64.min)),
        ("events", "starts", .text("1e3")),
        ("events", "kind", .real(.infinity)),
        ("attendance", "remark", .text("  0815 ")),
        ("attendance", "status", .integer(0)),
    ]

    @Test func everyValueReadsBackAsItWasMerged() throws {
        let directory = try TemporaryDirectory()
        let fieldbook = try Fieldbook.create(at: directory.path("replica.sqlite"), name: "office")
        let cohort = try fieldbook.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-02-18")
        let participant = try fieldbook.addParticipant(cohort: cohort.id.description, .init(name: "王芳", trn: "1000001"))
        let event = try fieldbook.addEvent(
            cohort: cohort.id.description, .init(kind: "webinar", title: "Webinar 1", starts: "2024-03-06T19:00"))
        _ = try fieldbook.attend(
            event: event.id.description, participant: participant.id.description, status: "present", remark: nil)

        let writer = ReplicaID(Bytes16(high: 7, low: 7))
        var changes: [Change] = []
        for (index, entry) in Self.awkward.enumerated() {
            let key: RowKey =
                switch entry.table {
                case "participants": RowKey(participant.id)
                case "events": RowKey(event.id)
                default: RowKey(event.id, participant.id)
                }
            changes.append(
                Change(
                    partition: cohort.partition, table: entry.table, key: key, column: entry.column,
                    value: entry.value,
                    stamp: Stamp(time: HLC(milliseconds: 4_102_444_800_000 + UInt64(index)), origin: writer),
                    sequence: UInt64(index + 1), previous: nil))
        }
        let batch = ChangeBatch(
            changes: changes,
            ranges: [
                StreamRange(
                    stream: StreamID(partition: cohort.partition, origin: writer), after: 0,
                    through: UInt64(changes.count))
            ])
        _ = try fieldbook.store.merge(batch, from: writer, acceptSkewed: true)

        let readBack = try fieldbook.store.changes(for: Knowledge(), byteBudget: .max).batch.changes
            .filter { $0.origin == writer }
        #expect(readBack.count == changes.count)
        for (sent, held) in zip(changes, readBack) {
            #expect(held == sent, "\(sent.table).\(sent.column) read back as \(held.value)")
        }
        // And the winning values in the tables themselves, as SQL readers see them.
        for entry in Self.awkward {
            let stored = try fieldbook.store.read { db in
                try DatabaseValue.fetchOne(
                    db,
                    sql:
                        "SELECT \"\(entry.column)\" FROM \"\(entry.table)\" WHERE \"\(entry.column)__v\" IS NOT NULL LIMIT 1"
                )
            }
            #expect(stored.map(Value.init) == entry.value, "\(entry.table).\(entry.column)")
        }
    }

    /// Opens (and so migrates) the replica at `path` once and reads what the checks need,
    /// closing it again before returning.
    static func openedOnce(_ path: String) throws -> (
        [String], [String], [String], register: Int, conflicts: Int
    ) {
        let fieldbook = try Fieldbook.open(at: path)
        let register = try fieldbook.register(event: try fieldbook.events()[0].id.description)
        let conflicts = try fieldbook.conflicts(includeResolved: true).count
        let checks = try fieldbook.store.read { db in
            (
                try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT m.name || '.' || c.name FROM sqlite_master m, pragma_table_info(m.name) c
                        WHERE m.type = 'table' AND m.name IN (SELECT tbl FROM fb_columns)
                        AND c.name IN (SELECT col FROM fb_columns WHERE tbl = m.name) AND c.name != 'deleted'
                        AND c.type != ''
                        """),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            )
        }
        return (checks.0, checks.1, checks.2, register.lines.count, conflicts)
    }

    /// A replica written by the previous build (typed value columns) is rebuilt on open:
    /// every row, rowid and log pointer kept, value columns untyped, indexes back.
    @Test func aReplicaFromBeforeExactValuesIsRebuiltWithNothingLost() throws {
        let directory = try TemporaryDirectory()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/replica-before-exact-values.sqlite")
        let path = directory.path("replica.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)

        let tables = [
            "programmes", "cohorts", "venues", "participants", "events", "attendance", "notes", "devices",
            "conflicts", "fb_cells", "fb_history",
        ]
        func dump() throws -> [String: [[String]]] {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                var dump: [String: [[String]]] = [:]
                for table in tables {
                    dump[table] = try Row.fetchAll(
                        db, sql: "SELECT rowid AS fb_rowid, * FROM \"\(table)\" ORDER BY rowid"
                    )
                    .map { row in row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" } }
                }
                return dump
            }
        }
        let before = try dump()
        let typed = try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT type FROM pragma_table_info('attendance') WHERE name = 'remark'")
        }
        #expect(typed == "TEXT", "the fixture is not from the former layout")
        #expect(before["attendance"]?.isEmpty == false)
        #expect(before["conflicts"]?.isEmpty == false)

        let checks = try Self.openedOnce(path)
        #expect(checks.0 == ["ok"])
        #expect(checks.1.isEmpty, "value columns still typed: \(checks.1)")
        #expect(checks.2.contains("ix_conflicts_cell_table_cell_key_cell_column"))
        #expect(checks.register == 2)
        #expect(checks.conflicts == 1)
        #expect(try dump() == before)

        // A value that used to be converted now keeps its type in the rebuilt file.
        let again = try Fieldbook.open(at: path)
        let event = try again.events()[0]
        _ = try again.attend(event: event.id.description, participant: "1000002", status: "late", remark: "0815")
        let remark = try again.store.read { db in
            try DatabaseValue.fetchOne(db, sql: "SELECT remark FROM attendance WHERE remark = '0815'")
        }
        #expect(remark.map(Value.init) == .text("0815"))
    }
}
