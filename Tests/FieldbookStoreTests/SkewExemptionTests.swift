import FieldbookCore
import FieldbookStore
import Foundation
import Testing

/// Edits of a value released from quarantine with a stamp days ahead (found by the
/// sync simulation, seed 35).
struct SkewExemptionTests {
    static let schema = ReplicatedSchema(
        version: 1,
        tables: [TableSchema(name: "items", keyColumns: ["id"], columns: [ColumnSchema("name", .text)])])

    /// Two replicas with correct clocks edit the released value at once; each edit is
    /// stamped just after it. The second to arrive no longer overwrites the current winner,
    /// but it is no more ahead than what the receiver already merged: it is merged (and
    /// the loser goes to the ledger), not quarantined for ever.
    @Test func concurrentEditsOfAReleasedFutureValueBothMerge() throws {
        let now: UInt64 = 1_709_340_000_000
        let future = HLC(milliseconds: now + 3 * 86_400_000)
        let receiver = try ReplicaStore.create(
            at: ":memory:", name: "server", schema: Self.schema,
            options: .init(wallClock: ManualWallClock(milliseconds: now)))
        var random = SeededRandom(seed: 35)
        let key = RowKey(RowID.make(milliseconds: now, using: &random))
        let (skewed, first, second) = (
            ReplicaID.random(using: &random), ReplicaID.random(using: &random), ReplicaID.random(using: &random)
        )
        func change(_ origin: ReplicaID, _ value: String, _ time: HLC, previous: Stamp?) -> ChangeBatch {
            let stream = StreamID(partition: .shared, origin: origin)
            return ChangeBatch(
                changes: [
                    Change(
                        partition: .shared, table: "items", key: key, column: "name", value: .text(value),
                        stamp: Stamp(time: time, origin: origin), sequence: 1, previous: previous)
                ],
                ranges: [StreamRange(stream: stream, after: 0, through: 1)])
        }
        let released = Stamp(time: future, origin: skewed)
        try receiver.merge(change(skewed, "released", future, previous: nil), from: nil, acceptSkewed: true)
        let next = HLC(rawValue: future.rawValue + 1)
        let a = try receiver.merge(
            change(first, "first edit", next, previous: released), from: first, checksEveryOrigin: true)
        let b = try receiver.merge(
            change(second, "second edit", next, previous: released), from: second, checksEveryOrigin: true)
        #expect(a.quarantined == 0)
        #expect(b.quarantined == 0)
        #expect(b.conflicts == 1)
        #expect(try receiver.quarantined().isEmpty)
        #expect(try receiver.knowledge()[StreamID(partition: .shared, origin: second)] == 1)
    }
}
