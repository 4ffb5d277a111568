import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import GRDB
import Testing

/// A newer client's changes for tables and columns an older replica does not know are
/// kept, counted, forwarded, and materialized once the older replica upgrades.
struct SchemaEvolutionTests {
    static let row = RowKey(Fixture.rowID(1))
    static let tag = RowKey(Fixture.rowID(9))
    static let cohort = Fixture.partition(1)

    static func pendingCount(_ store: ReplicaStore) throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM fb_pending") ?? 0 }
    }

    @Test func olderReplicaKeepsCountsForwardsAndLaterMaterializesNewerChanges() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualWallClock()
        let newer = try Fixture.store(1, schema: Fixture.schemaV2, clock: clock)
        let older = try Fixture.fileStore(2, in: directory, schema: Fixture.schema, clock: clock)
        let third = try Fixture.store(3, schema: Fixture.schemaV2, clock: clock)

        try newer.write { tx in
            _ = try tx.set(
                table: Fixture.items, key: Self.row, partition: Self.cohort,
                values: ["name": .text("ada"), "colour": .text("red")])
            _ = try tx.set(table: Fixture.tags, key: Self.tag, partition: Self.cohort, values: ["label": .text("vip")])
        }
        clock.advance(by: 5)
        try newer.write { tx in
            _ = try tx.set(
                table: Fixture.items, key: Self.row, partition: Self.cohort, values: ["colour": .text("blue")])
        }

        let report = try Exchange.pull(into: older, from: newer).report
        #expect(report.applied == 1)
        #expect(report.unknown == 3)
        #expect(try Self.pendingCount(older) == 3, "kept in fb_pending")
        #expect(try older.knowledge() == (try newer.knowledge()), "counted in the vectors")
        let columns = try older.read { db in try db.columns(in: Fixture.items).map(\.name) }
        #expect(!columns.contains("colour"))
        #expect(try older.read { db in try db.tableExists(Fixture.tags) } == false)

        // The old replica forwards what it cannot read, one change per batch.
        try Exchange.pull(into: third, from: older, byteBudget: 1)
        #expect(try canonicalDump(third, .data) == canonicalDump(newer, .data))
        #expect(try third.knowledge() == (try newer.knowledge()))

        // The old replica keeps working with what it knows.
        clock.advance(by: 5)
        try older.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.cohort, values: ["n": .integer(3)])
        }
        try Exchange.untilQuiescent([older, newer, third])
        #expect(try Self.pendingCount(older) == 3)

        // Upgrade: the same file opened by a build with the newer schema.
        let path = older.path
        let upgraded = try ReplicaStore.open(at: path, schema: Fixture.schemaV2, options: Fixture.options(clock: clock))
        #expect(try Self.pendingCount(upgraded) == 0)
        let value = try upgraded.read { db in try String.fetchOne(db, sql: "SELECT colour FROM items") }
        #expect(value == "blue", "the newest value wins, not the order the pending changes were stored in")
        #expect(try upgraded.read { db in try String.fetchOne(db, sql: "SELECT label FROM tags") } == "vip")
        #expect(try canonicalDump(upgraded, .data) == canonicalDump(newer, .data))
        #expect(try upgraded.knowledge() == (try newer.knowledge()), "materializing moves nothing in the vectors")

        // And it still forwards the now-materialized changes to a fresh replica.
        let fresh = try Fixture.store(4, schema: Fixture.schemaV2, clock: clock)
        try Exchange.pull(into: fresh, from: upgraded, byteBudget: 16)
        #expect(try canonicalDump(fresh, .data) == canonicalDump(newer, .data))
        let log = try Fixture.everything(in: upgraded)
        #expect(log.changes.filter { $0.column == "colour" }.map(\.value) == [.text("red"), .text("blue")])
    }

    @Test func concurrentChangesThatWaitedForTheUpgradeAreMergedWithTheConflictRule() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualWallClock()
        let first = try Fixture.store(1, schema: Fixture.schemaV2, clock: clock)
        let second = try Fixture.store(3, schema: Fixture.schemaV2, clock: clock)
        let older = try Fixture.fileStore(2, in: directory, schema: Fixture.schema, clock: clock)
        try first.write { tx in
            _ = try tx.set(
                table: Fixture.items, key: Self.row, partition: Self.cohort, values: ["colour": .text("red")])
        }
        clock.advance(by: 1)
        try second.write { tx in
            _ = try tx.set(
                table: Fixture.items, key: Self.row, partition: Self.cohort, values: ["colour": .text("blue")])
        }
        // The old replica receives the newer value first.
        try Exchange.pull(into: older, from: second)
        try Exchange.pull(into: older, from: first)
        #expect(try Self.pendingCount(older) == 2)

        let path = older.path
        let upgraded = try ReplicaStore.open(at: path, schema: Fixture.schemaV2, options: Fixture.options(clock: clock))
        let cell = CellAddress(table: Fixture.items, key: Self.row, column: "colour")
        #expect(try upgraded.version(of: cell)?.value == .text("blue"))
        let ledger = try upgraded.read { db in try String.fetchAll(db, sql: "SELECT loser_value FROM conflicts") }
        #expect(ledger == ["red"], "the concurrent loser is in the ledger once the values can be compared")

        try Exchange.untilQuiescent([first, second, upgraded])
        #expect(try canonicalDump(first) == canonicalDump(upgraded))
        #expect(try canonicalDump(second) == canonicalDump(upgraded))
    }

    @Test func olderBuildRefusesAFileWithANewerSchemaAndLeavesItAlone() throws {
        let directory = try TemporaryDirectory()
        let newer = try Fixture.fileStore(1, in: directory, schema: Fixture.schemaV2)
        try newer.write { tx in
            _ = try tx.set(table: Fixture.tags, key: Self.tag, partition: Self.cohort, values: ["label": .text("vip")])
        }
        let path = newer.path
        let before = try canonicalDump(ofFile: path)
        let error = #expect(throws: FieldbookError.self) { _ = try ReplicaStore.open(at: path, schema: Fixture.schema) }
        #expect(error?.code == .unsupportedVersion)
        #expect(try canonicalDump(ofFile: path) == before)
    }
}
