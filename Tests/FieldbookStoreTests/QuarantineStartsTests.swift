import FieldbookCore
import FieldbookStore
import Foundation
import Testing

/// What a sync round tells a laptop about its held-back changes: the first quarantined
/// sequence of each of its own streams, read per stream without reading the quarantine.
struct QuarantineStartsTests {
    static let schema = ReplicatedSchema(
        version: 1,
        tables: [TableSchema(name: "items", keyColumns: ["id"], columns: [ColumnSchema("name", .text)])])

    @Test func eachOfTheOriginsStreamsStartsAtItsFirstHeldBackChangeAndNoOtherOriginShows() throws {
        let now: UInt64 = 1_709_340_000_000
        let server = try ReplicaStore.create(
            at: ":memory:", name: "server", schema: Self.schema,
            options: .init(wallClock: ManualWallClock(milliseconds: now)))
        var random = SeededRandom(seed: 41)
        let (laptop, other) = (ReplicaID.random(using: &random), ReplicaID.random(using: &random))
        let cohortA = PartitionID(Bytes16(high: 0x0190_0000_0000_7001, low: 0x8000_0000_0000_0000))
        let cohortB = PartitionID(Bytes16(high: 0x0190_0000_0000_7002, low: 0x8000_0000_0000_0000))
        /// `count` changes of `origin` in `partition`, the first `onTime` with a correct
        /// clock and the rest days ahead.
        func push(_ origin: ReplicaID, _ partition: PartitionID, count: UInt64, onTime: UInt64) throws {
            let changes = (1...count).map { sequence in
                let ahead: UInt64 = sequence > onTime ? 3 * 86_400_000 : 0
                return Change(
                    partition: partition, table: "items", key: RowKey(RowID.make(milliseconds: now, using: &random)),
                    column: "name", value: .text("李娜 \(sequence)"),
                    stamp: Stamp(time: HLC(milliseconds: now + ahead + sequence), origin: origin), sequence: sequence,
                    previous: nil)
            }
            try server.merge(
                ChangeBatch(
                    changes: changes,
                    ranges: [
                        StreamRange(stream: StreamID(partition: partition, origin: origin), after: 0, through: count)
                    ]),
                from: origin)
        }
        #expect(try server.quarantineStarts(origin: laptop).isEmpty, "an origin the server never heard of")
        try push(laptop, cohortA, count: 5, onTime: 2)
        try push(laptop, cohortB, count: 3, onTime: 3)
        try push(other, cohortA, count: 4, onTime: 0)

        let starts = try server.quarantineStarts(origin: laptop)
        #expect(starts == [StreamID(partition: cohortA, origin: laptop): 3])
        // The same answer as reading the whole quarantine and keeping this origin's.
        var expected: [StreamID: UInt64] = [:]
        for entry in try server.quarantined() where entry.change.origin == laptop {
            expected[entry.change.stream] = min(expected[entry.change.stream] ?? .max, entry.change.sequence)
        }
        #expect(starts == expected)
        #expect(try server.quarantineStarts(origin: other) == [StreamID(partition: cohortA, origin: other): 1])

        try server.releaseQuarantine(origin: laptop)
        #expect(try server.quarantineStarts(origin: laptop).isEmpty)
        #expect(try server.quarantineStarts(origin: other).count == 1, "releasing one origin leaves the other's")
    }
}
