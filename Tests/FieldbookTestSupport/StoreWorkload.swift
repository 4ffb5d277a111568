import FieldbookCore
import FieldbookStore

/// A seeded random workload over the raw store API and the ``Fixture`` schema.
///
/// Rows and values come from small pools so replicas often write the same cells:
/// overwrites, concurrent edits, equal values and deletes all happen within a few
/// steps. Each row lives in one partition for its whole life, as in the real schema.
///
/// ```swift
/// var workload = StoreWorkload(seed: 42)
/// let written = try workload.step(on: store)   // the changes one local transaction made
/// ```
public struct StoreWorkload {
    /// The generator; its state is the whole workload's state.
    public var random: SeededRandom
    /// The `items` rows the workload writes.
    public let itemKeys: [RowKey]
    /// The `marks` rows (pair keys) the workload writes.
    public let markKeys: [RowKey]
    /// The partitions rows are spread over.
    public let partitions: [PartitionID]

    /// Texts, including one that SQLite's numeric affinity would turn into a number.
    public static let names: [Value] = [.text("ada"), .text("bo"), .text("cy"), .text("007"), .null]
    public static let statuses: [Value] = [.text("present"), .text("late"), .text("absent"), .text("excused")]

    /// A workload whose every choice follows from `seed`.
    public init(seed: UInt64, items: Int = 6, marks: Int = 4, partitions: Int = 2) {
        random = SeededRandom(seed: seed)
        itemKeys = (0..<items).map { RowKey(Fixture.rowID(100 + $0)) }
        markKeys = (0..<marks).map { RowKey(Fixture.rowID(200 + $0 % 2), Fixture.rowID(300 + $0)) }
        self.partitions = (0..<max(partitions, 1)).map(Fixture.partition)
    }

    /// The partition a key belongs to (fixed per key).
    public func partition(of key: RowKey) -> PartitionID {
        partitions[Int(key.parts.last!.rawValue.low % UInt64(partitions.count))]
    }

    /// One local transaction of one to three random writes.
    ///
    /// - Returns: the changes the store logged (empty when every write was a no-op).
    public mutating func step(on store: ReplicaStore) throws -> [Change] {
        let count = Int.random(in: 1...3, using: &random)
        var plans: [(table: String, key: RowKey, column: String?, value: Value)] = []
        for _ in 0..<count { plans.append(nextWrite()) }
        return try store.write { tx in
            var changes: [Change] = []
            for plan in plans {
                let partition = partition(of: plan.key)
                if let column = plan.column {
                    changes += try tx.set(
                        table: plan.table, key: plan.key, partition: partition, columns: [(column, plan.value)])
                } else if let change = try tx.delete(table: plan.table, key: plan.key, partition: partition) {
                    changes.append(change)
                }
            }
            return changes
        }
    }

    mutating func nextWrite() -> (table: String, key: RowKey, column: String?, value: Value) {
        let roll = Int.random(in: 0..<100, using: &random)
        if roll < 55 {
            let key = itemKeys.randomElement(using: &random)!
            switch Int.random(in: 0..<3, using: &random) {
            case 0: return (Fixture.items, key, "name", Self.names.randomElement(using: &random)!)
            case 1: return (Fixture.items, key, "n", .integer(Int64.random(in: 0...3, using: &random)))
            default: return (Fixture.items, key, "note", .text("note \(Int.random(in: 0..<4, using: &random))"))
            }
        } else if roll < 90 {
            let key = markKeys.randomElement(using: &random)!
            return random.next() % 3 == 0
                ? (Fixture.marks, key, "remark", .text(["ok", "train delay", "0123"].randomElement(using: &random)!))
                : (Fixture.marks, key, "status", Self.statuses.randomElement(using: &random)!)
        } else {
            let marks = random.next() % 2 == 0
            let key = (marks ? markKeys : itemKeys).randomElement(using: &random)!
            return (marks ? Fixture.marks : Fixture.items, key, nil, .integer(1))
        }
    }
}
