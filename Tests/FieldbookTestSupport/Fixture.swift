import FieldbookCore
import FieldbookStore
import Foundation

/// A small replicated schema and store factories for engine tests.
///
/// `items` has single-ID keys and three columns of different kinds; `marks` has a pair
/// key like attendance. ``schemaV2`` is the same schema one version later, with a new
/// column and a new table, for schema-evolution tests.
public enum Fixture {
    /// Table names.
    public static let items = "items"
    public static let marks = "marks"
    public static let tags = "tags"

    /// Version 1: `items(id; name TEXT, n INTEGER, note TEXT)` and `marks(a, b; status TEXT, remark TEXT)`.
    public static let schema = ReplicatedSchema(version: 1, tables: [itemsV1, marksTable])

    /// Version 2: `items` gains `colour`, and a new table `tags(id; label TEXT)` appears.
    public static let schemaV2 = ReplicatedSchema(
        version: 2,
        tables: [
            TableSchema(
                name: items, keyColumns: ["id"], columns: itemsV1.columns + [ColumnSchema("colour", .text)],
                indexes: itemsV1.indexes),
            marksTable,
            TableSchema(name: tags, keyColumns: ["id"], columns: [ColumnSchema("label", .text)]),
        ])

    static let itemsV1 = TableSchema(
        name: items, keyColumns: ["id"],
        columns: [ColumnSchema("name", .text), ColumnSchema("n", .integer), ColumnSchema("note", .text)],
        indexes: [["name"]])

    static let marksTable = TableSchema(
        name: marks, keyColumns: ["a", "b"], columns: [ColumnSchema("status", .text), ColumnSchema("remark", .text)])

    /// A fixed replica ID for test replica number `index`; IDs sort by index.
    public static func replicaID(_ index: Int) -> ReplicaID {
        ReplicaID(Bytes16(high: 0x7E57_0000_0000_0000 | UInt64(index), low: 0x0A0B_0C0D_0000_0000 | UInt64(index)))
    }

    /// Partition number `index`: 0 is the shared partition, others are fixed cohort-like IDs.
    public static func partition(_ index: Int) -> PartitionID {
        index == 0
            ? .shared : PartitionID(Bytes16(high: 0x0190_0000_0000_7000 | UInt64(index), low: 0x8000_0000_0000_0000))
    }

    /// A fixed row ID number `index` (a valid UUIDv7 layout).
    public static func rowID(_ index: Int) -> RowID {
        RowID(Bytes16(high: 0x018E_0000_0000_7000 | UInt64(index & 0xFFF), low: 0x8000_0000_0000_0000 | UInt64(index)))
    }

    /// Store options with a manual clock, so stamps are reproducible.
    public static func options(clock: any WallClock, maximumDrift: UInt64 = HybridClock.defaultMaximumDrift)
        -> ReplicaStore.Options
    {
        ReplicaStore.Options(wallClock: clock, maximumDrift: maximumDrift)
    }

    /// An in-memory store with replica ID ``replicaID(_:)`` of `index`.
    public static func store(
        _ index: Int, schema: ReplicatedSchema = Fixture.schema, clock: any WallClock = ManualWallClock()
    ) throws -> ReplicaStore {
        try ReplicaStore.create(
            at: ":memory:", name: "replica \(index)", schema: schema, replicaID: replicaID(index),
            options: options(clock: clock))
    }

    /// A store in a file of `directory`, named after its index.
    public static func fileStore(
        _ index: Int, in directory: TemporaryDirectory, schema: ReplicatedSchema = Fixture.schema,
        clock: any WallClock = ManualWallClock()
    ) throws -> ReplicaStore {
        try ReplicaStore.create(
            at: directory.path("replica-\(index).sqlite"), name: "replica \(index)", schema: schema,
            replicaID: replicaID(index), options: options(clock: clock))
    }

    /// Every change a store holds, as one batch (what a fresh peer would need).
    public static func everything(in store: ReplicaStore) throws -> ChangeBatch {
        try store.changes(for: Knowledge(), byteBudget: .max).batch
    }
}
