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
