import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import GRDB
import Testing

struct ReplicaStoreTests {
    static let row = RowKey(Fixture.rowID(1))
    static let shared = PartitionID.shared

    static func expectError(
        _ code: FieldbookError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        let error = #expect(throws: FieldbookError.self, sourceLocation: sourceLocation) { try body() }
        #expect(error?.code == code, "\(error?.message ?? "")", sourceLocation: sourceLocation)
    }

    // MARK: Files

    @Test func createRefusesAnExistingFile() throws {
        let directory = try TemporaryDirectory()
        _ = try Fixture.fileStore(1, in: directory)
        let before = try canonicalDump(ofFile: directory.path("replica-1.sqlite"))
        Self.expectError(.exists) {
            _ = try ReplicaStore.create(at: directory.path("replica-1.sqlite"), name: "again", schema: Fixture.schema)
        }
        #expect(try canonicalDump(ofFile: directory.path("replica-1.sqlite")) == before)
    }

    /// A commit must reach the disk before the write returns (DESIGN: nothing is lost, a
    /// battery dying mid-session included): WAL with `synchronous = FULL` on the writing
    /// connection, on a new file, a reopened one, and a pooled one (the server's).
    @Test(arguments: [false, true])
    func everyCommitIsSyncedToDisk(pooled: Bool) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("replica.sqlite")
        let options = ReplicaStore.Options(pooled: pooled)
        let created = try ReplicaStore.create(at: path, name: "durable", schema: Fixture.schema, options: options)
        let settings = { (store: ReplicaStore) in
            try store.database.writeWithoutTransaction { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous")
                )
            }
        }
        let new = try settings(created)
        #expect(new.0 == "wal" && new.1 == 2, "journal mode \(new.0 ?? "-"), synchronous \(new.1 ?? -1) (2 is FULL)")
        try created.database.close()
        let reopened = try settings(try ReplicaStore.open(at: path, schema: Fixture.schema, options: options))
        #expect(reopened.0 == "wal" && reopened.1 == 2, "synchronous \(reopened.1 ?? -1) after reopening (2 is FULL)")
    }

    @Test func openMissingFileIsNotFound() throws {
        let directory = try TemporaryDirectory()
        Self.expectError(.notFound) {
            _ = try ReplicaStore.open(at: directory.path("none.sqlite"), schema: Fixture.schema)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("none.sqlite")), "open never creates a file")
    }

    @Test func openDirectoryIsNotAReplica() throws {
        let directory = try TemporaryDirectory()
        Self.expectError(.notAReplica) { _ = try ReplicaStore.open(at: directory.url.path, schema: Fixture.schema) }
    }

    @Test func openTextFileIsNotAReplicaAndLeavesItUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("name,trn\nLi Wei,1234567\n", to: "roster.csv")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        Self.expectError(.notAReplica) { _ = try ReplicaStore.open(at: path, schema: Fixture.schema) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func openOtherSQLiteDatabaseIsNotAReplicaAndLeavesItUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("other.sqlite")
        let other = try DatabaseQueue(path: path)
        try other.write { db in
            try db.execute(sql: "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Li Wei')")
        }
        try other.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        Self.expectError(.notAReplica) { _ = try ReplicaStore.open(at: path, schema: Fixture.schema) }
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: path)) == before,
            "opening someone else's database must not change it (not even its journal mode)")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func fileWrittenByANewerFieldbookIsRefusedAndLeftAlone() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("replica-1.sqlite")
        try Fixture.fileStore(1, in: directory).database.close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "UPDATE fb_meta SET value = 2 WHERE key = 'format_version'") }
        try queue.close()
        let before = try canonicalDump(ofFile: path)
        let error = #expect(throws: FieldbookError.self) { _ = try ReplicaStore.open(at: path, schema: Fixture.schema) }
        #expect(error?.code == .notAReplica)
        #expect(error?.message.contains("newer Fieldbook") == true)
        #expect(try canonicalDump(ofFile: path) == before)
    }

    @Test func reopenedReplicaKeepsItsIdentityDataAndClock() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualWallClock()
        let path = directory.path("replica-1.sqlite")
        var last: Stamp?
        do {
            let store = try Fixture.fileStore(1, in: directory, clock: clock)
            for value in 0..<3 {
                let changes = try store.write { tx in
                    try tx.set(
                        table: Fixture.items, key: Self.row, partition: Self.shared,
                        values: ["n": .integer(Int64(value))])
                }
                last = changes.last?.stamp
            }
        }
        // The wall clock went back an hour while the laptop was off.
        clock.set(ManualWallClock.defaultStart - 3_600_000)
        let reopened = try ReplicaStore.open(at: path, schema: Fixture.schema, options: Fixture.options(clock: clock))
        #expect(reopened.replicaID == Fixture.replicaID(1))
        #expect(try reopened.name() == "replica 1")
        #expect(
            try reopened.version(of: CellAddress(table: Fixture.items, key: Self.row, column: "n"))?.value
                == .integer(2))
        let next = try reopened.write { tx in
            try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["n": .integer(9)])
        }
        #expect(next.first!.stamp > last!, "the persisted clock keeps stamps increasing")
        #expect(next.first!.sequence == 4)
    }

    // MARK: Local writes

    @Test func localWritesAreLoggedWithSequenceAndPrevious() throws {
        let store = try Fixture.store(1)
        let first = try store.write { tx in
            try tx.set(
                table: Fixture.items, key: Self.row, partition: Self.shared,
                values: ["name": .text("ada"), "n": .integer(1)])
        }
        let second = try store.write { tx in
            try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("bo")])
        }
        #expect(first.map(\.sequence) == [1, 2])
        #expect(first.allSatisfy { $0.previous == nil && $0.origin == store.replicaID })
        #expect(second.map(\.sequence) == [3])
        #expect(second[0].previous == first[0].stamp)
        #expect(second[0].stamp > first[1].stamp)
        #expect(try store.knowledge()[StreamID(partition: Self.shared, origin: store.replicaID)] == 3)
        let log = try Fixture.everything(in: store)
        #expect(log.changes.count == 3, "the superseded write stays in the log until compaction")
        #expect(log.changes.map(\.value) == [.text("ada"), .integer(1), .text("bo")])
    }

    @Test func writingTheCurrentValueAgainWritesNothing() throws {
        let store = try Fixture.store(1)
        try store.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("ada")])
        }
        let before = try canonicalDump(store)
        let again = try store.write { tx in
            try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("ada")])
        }
        #expect(again.isEmpty)
        #expect(try canonicalDump(store) == before)
    }

    @Test func deleteSetsTheTombstoneAndKeepsTheRow() throws {
        let store = try Fixture.store(1)
        try store.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("ada")])
        }
        let tombstone = try store.write { tx in
            try tx.delete(table: Fixture.items, key: Self.row, partition: Self.shared)
        }
        #expect(tombstone?.column == Change.deletedColumn)
        #expect(tombstone?.value == .integer(1))
        let row = try store.read { db in try Row.fetchOne(db, sql: "SELECT name, deleted FROM items") }
        #expect(row?["name"] == "ada")
        #expect(row?["deleted"] == 1)
        let twice = try store.write { tx in try tx.delete(table: Fixture.items, key: Self.row, partition: Self.shared) }
        #expect(twice == nil, "deleting a deleted row writes nothing")
    }

    struct Boom: Error {}

    @Test func aFailedWriteLeavesNoTrace() throws {
        let store = try Fixture.store(1)
        try store.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("ada")])
        }
        let before = try canonicalDump(store)
        let clock = try store.clockReading()
        #expect(throws: Boom.self) {
            try store.write { tx in
                try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("bo")])
                try tx.set(
                    table: Fixture.marks, key: RowKey(Fixture.rowID(2), Fixture.rowID(3)),
                    partition: Fixture.partition(1), values: ["status": .text("late")])
                throw Boom()
            }
        }
        #expect(try canonicalDump(store) == before)
        #expect(try store.clockReading() == clock)
        let next = try store.write { tx in
            try tx.set(
                table: Fixture.marks, key: RowKey(Fixture.rowID(2), Fixture.rowID(3)), partition: Fixture.partition(1),
                values: ["status": .text("late")])
        }
        #expect(next.first?.sequence == 1, "a rolled-back write uses no sequence number")
    }

    @Test func unknownColumnIsRefusedLocally() throws {
        let store = try Fixture.store(1)
        Self.expectError(.invalidInput) {
            try store.write { tx in
                _ = try tx.set(
                    table: Fixture.items, key: Self.row, partition: Self.shared, values: ["colour": .text("red")])
            }
        }
    }

    @Test func partitionOfARowComesFromItsCells() throws {
        let store = try Fixture.store(1)
        let key = RowKey(Fixture.rowID(2), Fixture.rowID(3))
        try store.write { tx in
            _ = try tx.set(
                table: Fixture.marks, key: key, partition: Fixture.partition(2), values: ["status": .text("late")])
        }
        #expect(try store.partition(of: key, in: Fixture.marks) == Fixture.partition(2))
        #expect(try store.partition(of: Self.row, in: Fixture.items) == nil)
    }

    // MARK: Merging

    @Test func batchWithAGapChangesNothing() throws {
        let source = try Fixture.store(1)
        var workload = StoreWorkload(seed: 5)
        for _ in 0..<10 { _ = try workload.step(on: source) }
        let receiver = try Fixture.store(2)
        let first = try source.changes(for: Knowledge(), byteBudget: 40)
        #expect(first.hasMore)
        var held = Knowledge()
        for range in first.batch.ranges { held[range.stream] = range.through }
        let second = try source.changes(for: held, byteBudget: .max)
        let before = try canonicalDump(receiver)
        let error = #expect(throws: FieldbookError.self) { try receiver.merge(second.batch, from: source.replicaID) }
        #expect(error?.code == .sequenceGap)
        #expect(error?.resume?.after == 0)
        #expect(try canonicalDump(receiver) == before)
        try receiver.merge(first.batch, from: source.replicaID)
        try receiver.merge(second.batch, from: source.replicaID)
        #expect(try canonicalDump(receiver, .data) == canonicalDump(source, .data))
    }

    @Test func corruptBatchChangesNothing() throws {
        let source = try Fixture.store(1)
        var workload = StoreWorkload(seed: 6)
        for _ in 0..<5 { _ = try workload.step(on: source) }
        var batch = try Fixture.everything(in: source)
        batch.ranges[0].through = batch.ranges[0].after
        let receiver = try Fixture.store(2)
        let before = try canonicalDump(receiver)
        let error = #expect(throws: FieldbookError.self) { try receiver.merge(batch, from: source.replicaID) }
        #expect(error?.code == .corrupt)
        #expect(try canonicalDump(receiver) == before)
    }

    /// Losing values that SQLite's numeric affinity would rewrite: `007` must stay text.
    @Test(arguments: [
        ("note", Value.text("007")), ("note", .text("1e3")), ("note", .text(" 12 ")), ("note", .text("0x10")),
        ("n", .integer(3)), ("name", .null),
    ])
    func ledgerKeepsTheLosingValueExactly(column: String, loser: Value) throws {
        let (a, b) = (try Fixture.store(1), try Fixture.store(2))
        let cell = CellAddress(table: Fixture.items, key: Self.row, column: column)
        let other: Value = column == "n" ? .integer(4) : .text("winner")
        // A writes first (older stamp), so A's value is the concurrent loser.
        try a.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, columns: [(column, loser)])
        }
        try b.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, columns: [(column, other)])
        }
        let report = try b.merge(try Fixture.everything(in: a), from: a.replicaID)
        #expect(report.conflicts == 1)
        let stored = try b.read { db in
            try Row.fetchOne(db, sql: "SELECT loser_value, typeof(loser_value) AS type FROM conflicts")
        }
        #expect(stored.map { Value($0["loser_value"] as DatabaseValue) } == loser)
        #expect(try b.version(of: cell)?.value == other)
    }

    @Test func localWriteResolvesTheCellsOpenConflicts() throws {
        let (a, b) = (try Fixture.store(1), try Fixture.store(2))
        let cell = CellAddress(table: Fixture.items, key: Self.row, column: "name")
        try a.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("ada")])
        }
        try b.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("bo")])
        }
        try b.merge(try Fixture.everything(in: a), from: a.replicaID)
        let open = try b.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts WHERE resolved_time IS NULL")
        }
        #expect(open == 1)

        // Writing the winning value again is a decision, not a no-op: it closes the entry.
        let decision = try b.write { tx in
            try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("bo")])
        }
        #expect(decision.count == 1)
        let entry = try b.read { db in try Row.fetchOne(db, sql: "SELECT resolved_time, resolved_by FROM conflicts") }
        #expect(entry?["resolved_time"] as Int64? == Int64(bitPattern: decision[0].stamp.time.rawValue))
        #expect((entry?["resolved_by"] as Data?) == b.replicaID.rawValue.data)
        #expect(try b.version(of: cell)?.previous != nil)

        // The resolution travels: A ends with the same closed entry.
        try Exchange.untilQuiescent([a, b])
        #expect(try canonicalDump(a) == canonicalDump(b))
    }

    // MARK: Clock skew

    @Test func changesFromAClockDaysAheadAreQuarantinedThenReleased() throws {
        let days: UInt64 = 3 * 86_400_000
        let fastClock = ManualWallClock(ManualWallClock.defaultStart + days)
        let clock = ManualWallClock()
        let fast = try Fixture.store(1, clock: fastClock)
        let office = try Fixture.store(2, clock: clock)
        try fast.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("fast")])
        }
        let report = try office.merge(try Fixture.everything(in: fast), from: fast.replicaID)
        #expect(report.quarantined == 1)
        #expect(try office.knowledge() == Knowledge(), "a quarantined change is not held, so not forwarded")
        #expect(try office.quarantined().map(\.change.value) == [.text("fast")])
        #expect(try office.clockReading().milliseconds <= clock.milliseconds() + HybridClock.defaultMaximumDrift)

        // Resending it changes nothing: it is quarantined again, not duplicated.
        let again = try office.merge(try Fixture.everything(in: fast), from: fast.replicaID)
        #expect(again.quarantined == 1)
        #expect(try office.quarantined().count == 1)

        let released = try office.releaseQuarantine(origin: fast.replicaID)
        #expect(released.applied == 1)
        #expect(try office.quarantined().isEmpty)
        #expect(try office.knowledge() == (try fast.knowledge()))
        #expect(try office.clockReading().milliseconds <= clock.milliseconds() + HybridClock.defaultMaximumDrift)

        // The office's own edit, made after it saw the fast value, still wins.
        let edit = try office.write { tx in
            try tx.set(table: Fixture.items, key: Self.row, partition: Self.shared, values: ["name": .text("fixed")])
        }
        #expect(
            try office.version(of: CellAddress(table: Fixture.items, key: Self.row, column: "name"))?.value
                == .text("fixed"))
        try fast.merge(try office.changes(for: try fast.knowledge(), byteBudget: .max).batch, from: office.replicaID)
        #expect(try fast.version(of: edit[0].cell)?.value == .text("fixed"), "the edit wins everywhere")
    }

    // MARK: Threads

    /// Writers on several threads share one store: every write gets its own sequence
    /// number, stamps follow sequence order, and nothing is lost (queue and pool).
    @Test(arguments: [false, true])
    func concurrentWritersGetContiguousSequencesAndIncreasingStamps(pooled: Bool) throws {
        let directory = try TemporaryDirectory()
        let store = try ReplicaStore.create(
            at: directory.path("replica.sqlite"), name: "server", schema: Fixture.schema,
            replicaID: Fixture.replicaID(1),
            options: .init(pooled: pooled))
        let threads = 4
        let writes = 25
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<writes {
                do {
                    try store.write { tx in
                        _ = try tx.set(
                            table: Fixture.items, key: RowKey(Fixture.rowID(thread * 1_000 + index)),
                            partition: Fixture.partition(thread % 2), values: ["n": .integer(Int64(index))])
                    }
                    _ = try store.changes(for: Knowledge(), byteBudget: 200)
                } catch {
                    Issue.record("thread \(thread) write \(index): \(error)")
                }
            }
        }
        let log = try Fixture.everything(in: store).changes
        #expect(log.count == threads * writes)
        for partition in [Fixture.partition(0), Fixture.partition(1)] {
            let stream = log.filter { $0.partition == partition }
            #expect(stream.map(\.sequence) == Array(1...UInt64(threads * writes / 2)))
            #expect(stream.map(\.stamp) == stream.map(\.stamp).sorted(), "stamps follow sequence order")
            #expect(
                try store.knowledge()[StreamID(partition: partition, origin: store.replicaID)]
                    == UInt64(threads * writes / 2))
        }
        #expect(Set(log.map(\.stamp)).count == log.count, "every write has its own stamp")
    }
}
