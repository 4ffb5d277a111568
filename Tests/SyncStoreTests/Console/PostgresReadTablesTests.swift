import Fieldbook
import FieldbookCore
import FieldbookTestSupport
import Foundation
import Testing

@testable import FieldbookServer

/// The register's read tables on PostgreSQL: built from the cells when the console opens,
/// kept equal to the cells by every later write (merges, decisions, tombstones), rebuilt
/// when their signature changes, and replacing the views of earlier builds.
@Suite(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason), .serialized)
struct PostgresReadTablesTests {
    /// Every read table holds exactly its rows pivoted from the cells at this moment (set
    /// difference both ways, NULLs compared as equal), and is not empty where the cells are not.
    static func compare(_ store: any ConsoleStore) async throws {
        for table in NPQSchema.current.tables {
            let kept = "SELECT \(PostgresReadTables.names(table)) FROM \(PostgresReadTables.quoted(table.name))"
            let pivoted = """
                SELECT \(PostgresReadTables.pivotedColumns(table, key: "c.key") { "(array_agg(c.value) FILTER (WHERE f.col = '\($0)'))[1]" })
                FROM fb_cells c JOIN fb_columns f ON f.id = c.col WHERE f.tbl = '\(table.name)' GROUP BY c.key
                """
            let counts = try #require(
                try await store.query(
                    """
                    SELECT (SELECT count(*) FROM (\(kept) EXCEPT \(pivoted)) a) AS stale,
                           (SELECT count(*) FROM (\(pivoted) EXCEPT \(kept)) b) AS missing,
                           (SELECT count(*) FROM (\(pivoted)) c) AS cells
                    """, []
                ).first)
            #expect(counts.int("stale") == 0 && counts.int("missing") == 0, "\(table.name): \(counts.values)")
        }
    }

    @Test func tablesStayEqualToTheCellsThroughMergesDecisionsAndTombstones() async throws {
        try await ConsoleHarness.forEach(.postgres) { harness, _ in
            try await Self.compare(harness.store)
            let (wang, li) = (harness.scenario.wang, harness.scenario.li)
            let cohort = harness.scenario.headship.id.description
            let added = try wang.addParticipant(cohort: cohort, .init(name: "新学员", trn: "7777777", city: "Wuhan"))
            try wang.attend(
                event: harness.scenario.events[2].id.description, participant: added.id.description, status: "late",
                remark: "交通")
            try wang.attend(
                event: harness.scenario.events[0].id.description,
                participant: harness.scenario.participants[3].id.description, status: "present", remark: nil)
            for batch in try ConsoleScenario.batches(of: wang) {
                _ = try await harness.test.store.merge(batch, from: wang.store.replicaID)
            }
            // A decision (the office keeps the losing mark) writes cells as the server.
            let item = try #require(try await harness.store.conflictItems().first)
            try await harness.store.resolveConflict(id: item.losers[0].entry, keepLoser: true)
            try await Self.compare(harness.store)
            let rows = try await harness.store.query(
                "SELECT status, remark FROM attendance WHERE participant_id = ? AND deleted = 0", [.id(added.id)])
            #expect(rows.count == 1 && rows.first?["status"] == "late" && rows.first?["remark"] == "交通")
            let names = try await harness.store.query("SELECT name FROM participants WHERE trn = '7777777'", [])
            #expect(names.first?["name"] == "新学员")
            // The other laptop's edit of a shared row: a venue's city.
            for batch in try ConsoleScenario.batches(of: wang) { try li.store.merge(batch, from: wang.store.replicaID) }
            let venue = try #require(try await harness.store.query("SELECT id FROM venues", []).first?.id("id"))
            _ = try li.editVenue(venue.description, city: "上海", school: nil)
            for batch in try ConsoleScenario.batches(of: li) {
                _ = try await harness.test.store.merge(batch, from: li.store.replicaID)
            }
            // A tombstone: Wang deletes the note.
            let note = try #require(try await harness.store.query("SELECT id FROM notes", []).first?.id("id"))
            _ = try wang.deleteNote(note.description)
            for batch in try ConsoleScenario.batches(of: wang) {
                _ = try await harness.test.store.merge(batch, from: wang.store.replicaID)
            }
            try await Self.compare(harness.store)
            let cities = try await harness.store.query("SELECT city FROM venues WHERE id = ?", [.id(venue)])
            #expect(cities.first?["city"] == "上海")
            let deleted = try await harness.store.query("SELECT deleted FROM notes WHERE id = ?", [.id(note)])
            #expect(deleted.first?.int("deleted") == 1)
        }
    }

    @Test func aChangedSignatureRebuildsAndAnEarlierBuildsViewsAreReplaced() async throws {
        try await ConsoleHarness.forEach(.postgres) { harness, _ in
            guard let url = harness.test.url else { return }
            // As an earlier build left the database: views where the tables are, no signature.
            for statement in [
                "DROP TABLE attendance", "DROP TRIGGER fb_read_tables_inserted ON fb_cells",
                "DROP TRIGGER fb_read_tables_updated ON fb_cells", "DELETE FROM fb_read_tables",
                "CREATE VIEW attendance AS SELECT substring(c.key FROM 1 FOR 16) AS event_id FROM fb_cells c",
            ] {
                try await TestPostgres.execute(statement, url: url)
            }
            let store = try await ConsoleStores.open(harness.test.store)
            let kinds = try await store.query(
                "SELECT relkind::text AS kind FROM pg_class WHERE relname = 'attendance' AND relkind IN ('r', 'v')", [])
            #expect(kinds.map { $0["kind"] } == ["r"], "a table again")
            try await Self.compare(store)
            // And the triggers are back: a merge reaches the table.
            let wang = harness.scenario.wang
            try wang.attend(
                event: harness.scenario.events[2].id.description,
                participant: harness.scenario.participants[0].id.description, status: "absent", remark: "rebuilt")
            for batch in try ConsoleScenario.batches(of: wang) {
                _ = try await harness.test.store.merge(batch, from: wang.store.replicaID)
            }
            let marks = try await store.query("SELECT count(*) AS n FROM attendance WHERE remark = 'rebuilt'", [])
            #expect(marks.first?.int("n") == 1)
            try await Self.compare(store)

            // A trigger gone (dropped by hand), the signature intact: the next start rebuilds too.
            try await TestPostgres.execute("DROP TRIGGER fb_read_tables_updated ON fb_cells", url: url)
            let again = try await ConsoleStores.open(harness.test.store)
            try wang.attend(
                event: harness.scenario.events[2].id.description,
                participant: harness.scenario.participants[0].id.description, status: "late", remark: "again")
            for batch in try ConsoleScenario.batches(of: wang) {
                _ = try await harness.test.store.merge(batch, from: wang.store.replicaID)
            }
            let updated = try await again.query("SELECT count(*) AS n FROM attendance WHERE remark = 'again'", [])
            #expect(updated.first?.int("n") == 1, "an update reaches the table: the trigger is back")
            try await Self.compare(again)
        }
    }
}
