import FieldbookCore
import FieldbookStore
import Foundation
import GRDB
import Testing

struct SmokeTests {
    static let schema = ReplicatedSchema(
        version: 1,
        tables: [
            TableSchema(
                name: "items", keyColumns: ["id"], columns: [ColumnSchema("name", .text), ColumnSchema("n", .integer)])
        ]
    )

    @Test func writeMergeRoundTrip() throws {
        let a = try ReplicaStore.create(at: ":memory:", name: "a", schema: Self.schema)
        let b = try ReplicaStore.create(at: ":memory:", name: "b", schema: Self.schema)
        var rng = SeededRandom(seed: 1)
        let id = RowID.make(milliseconds: 1000, using: &rng)
        let p = PartitionID.shared
        try a.write { tx in
            try tx.set(table: "items", key: RowKey(id), partition: p, values: ["name": .text("x"), "n": .integer(1)])
        }
        try b.write { tx in try tx.set(table: "items", key: RowKey(id), partition: p, values: ["name": .text("y")]) }
        let fromA = try a.changes(for: Knowledge(), byteBudget: 1 << 20)
        let fromB = try b.changes(for: Knowledge(), byteBudget: 1 << 20)
        #expect(fromA.batch.changes.count == 2)
        let r1 = try b.merge(fromA.batch, from: a.replicaID)
        let r2 = try a.merge(fromB.batch, from: b.replicaID)
        #expect(r1.conflicts == 1)
        #expect(r2.conflicts == 1)
        let nameA = try a.read { try String.fetchOne($0, sql: "SELECT name FROM items") }
        let nameB = try b.read { try String.fetchOne($0, sql: "SELECT name FROM items") }
        #expect(nameA == nameB)
        #expect(try a.knowledge() != Knowledge())
        // idempotent
        let again = try b.merge(fromA.batch, from: a.replicaID)
        #expect(again.duplicates == 2)
    }
}
