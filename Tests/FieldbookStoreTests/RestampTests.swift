import FieldbookCore
import FieldbookStore
import Foundation
import Testing

/// Re-stamping a replica's own changes after its clock was fixed (found by the simulation).
struct RestampTests {
    static let schema = ReplicatedSchema(
        version: 1,
        tables: [TableSchema(name: "items", keyColumns: ["id"], columns: [ColumnSchema("name", .text)])])

    /// A cell written twice while the clock was days ahead keeps its last value after the
    /// re-stamp: new stamps follow the sequence order, whichever log table a change is in.
    @Test func restampKeepsTheOrderOfWrites() throws {
        let day: UInt64 = 86_400_000
        let clock = ManualWallClock(milliseconds: 1_709_340_000_000 + 3 * day)
        let store = try ReplicaStore.create(
            at: ":memory:", name: "laptop", schema: Self.schema, options: .init(wallClock: clock))
        var random = SeededRandom(seed: 7)
        let key = RowKey(RowID.make(milliseconds: 1_709_340_000_000, using: &random))
        let partition = PartitionID.shared
        for name in ["first", "second", "third"] {
            try store.write { tx in
                try tx.set(table: "items", key: key, partition: partition, values: ["name": .text(name)])
            }
            clock.advance(by: 1)
        }
        clock.set(1_709_340_000_000)
        let stream = StreamID(partition: partition, origin: store.replicaID)
        #expect(try store.restamp(stream, from: 1) == 3)

        let cell = CellAddress(table: "items", key: key, column: "name")
        #expect(try store.version(of: cell)?.value == .text("third"))
        let changes = try store.changes(for: Knowledge(), byteBudget: .max).batch.changes.filter { $0.stream == stream }
        #expect(changes.map(\.sequence) == [1, 2, 3])
        #expect(changes.map(\.stamp) == changes.map(\.stamp).sorted())
        #expect(changes.allSatisfy { $0.stamp.time.milliseconds < 1_709_340_000_000 + day })
    }
}

extension RestampTests {
    /// A write re-stamped after its clock was fixed still sorts after the value it
    /// overwrote when that value keeps its stamp from the days-ahead clock (it was merged
    /// elsewhere, released from quarantine, before the re-stamp): the later write stays
    /// the winner.
    @Test func restampedWriteStaysAfterAValueThatKeepsItsFutureStamp() throws {
        let day: UInt64 = 86_400_000
        let clock = ManualWallClock(milliseconds: 1_709_340_000_000 + 3 * day)
        let store = try ReplicaStore.create(
            at: ":memory:", name: "laptop", schema: Self.schema, options: .init(wallClock: clock))
        var random = SeededRandom(seed: 8)
        let key = RowKey(RowID.make(milliseconds: 1_709_340_000_000, using: &random))
        for name in ["released", "edited"] {
            try store.write { tx in
                try tx.set(table: "items", key: key, partition: .shared, values: ["name": .text(name)])
            }
            clock.advance(by: 1)
        }
        clock.set(1_709_340_000_000)
        // Change #1 was released as it is; only #2 waits in quarantine.
        let stream = StreamID(partition: .shared, origin: store.replicaID)
        #expect(try store.restamp(stream, from: 2) == 1)

        let cell = CellAddress(table: "items", key: key, column: "name")
        let winner = try #require(try store.version(of: cell))
        #expect(winner.value == .text("edited"))
        let changes = try store.changes(for: Knowledge(), byteBudget: .max).batch.changes.filter { $0.stream == stream }
        #expect(changes.count == 2)
        #expect(changes[1].previous == changes[0].stamp)
        #expect(changes[1].stamp.time.rawValue == changes[0].stamp.time.rawValue + 1)
    }
}

extension RestampTests {
    /// A re-stamped write whose previous value (written while the clock was ahead too) was
    /// compacted away gets a stamp from the fixed clock, not one after the lost value's old
    /// future stamp, which would keep it in quarantine for ever (simulation seed 89).
    @Test func restampIgnoresACompactedPreviousValueOfTheSameRange() throws {
        let laptop = try Self.laptopThatWroteAhead(["added", "edited"], seed: 9)
        let (store, now, stream) = (laptop.store, Self.now, laptop.stream)
        #expect(try store.compact(supersededBefore: now + 4 * Self.day) == 1)
        laptop.clock.set(now)
        #expect(try store.restamp(stream, from: 1) == 1)

        let winner = try #require(try store.version(of: laptop.cell))
        #expect(winner.value == .text("edited"))
        #expect(winner.stamp.time.milliseconds <= now + HybridClock.defaultMaximumDrift)
    }
}

extension RestampTests {
    /// A re-stamped edit stays after its own previous value when that value left before
    /// the re-stamped range (in a bundle, or released as it was) with its future stamp and
    /// was then compacted away here: everyone else holds it with that stamp, so the edit
    /// must still win there (simulation seed 368). The seed-89 rule above still holds for
    /// a compacted value of the range itself.
    @Test func restampStaysAfterACompactedPreviousValueThatLeftBeforeTheRange() throws {
        let laptop = try Self.laptopThatWroteAhead(["exported", "edited"], seed: 10)
        let (store, stream) = (laptop.store, laptop.stream)
        let before = try laptop.ownChanges()
        #expect(try store.compact(supersededBefore: Self.now + 4 * Self.day) == 1)
        laptop.clock.set(Self.now)
        // Change #1 left with its stamp; only #2 is re-stamped.
        #expect(try store.restamp(stream, from: 2) == 1)

        let winner = try #require(try store.version(of: laptop.cell))
        #expect(winner.value == .text("edited"))
        #expect(winner.stamp > before[0].stamp, "the edit must still win where #1 arrives with its old stamp")
        #expect(winner.stamp.time.rawValue == before[0].stamp.time.rawValue + 1)
    }
}

extension RestampTests {
    static let day: UInt64 = 86_400_000
    static let now: UInt64 = 1_709_340_000_000

    /// A laptop that wrote `values` to one cell of the shared partition, one a millisecond,
    /// with its clock three days ahead of ``now``; the clock is left there.
    struct Laptop {
        var store: ReplicaStore
        var clock: ManualWallClock
        var cell: CellAddress
        var stream: StreamID { StreamID(partition: .shared, origin: store.replicaID) }

        /// Its own changes of that stream, in sequence order.
        func ownChanges() throws -> [Change] {
            try store.changes(for: Knowledge(), byteBudget: .max).batch.changes.filter { $0.stream == stream }
        }
    }

    static func laptopThatWroteAhead(_ values: [String], seed: UInt64) throws -> Laptop {
        let clock = ManualWallClock(milliseconds: now + 3 * day)
        let store = try ReplicaStore.create(
            at: ":memory:", name: "laptop", schema: schema, options: .init(wallClock: clock))
        var random = SeededRandom(seed: seed)
        let key = RowKey(RowID.make(milliseconds: now, using: &random))
        for value in values {
            try store.write { tx in
                try tx.set(table: "items", key: key, partition: .shared, values: ["name": .text(value)])
            }
            clock.advance(by: 1)
        }
        return Laptop(store: store, clock: clock, cell: CellAddress(table: "items", key: key, column: "name"))
    }
}
