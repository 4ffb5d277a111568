import FieldbookCore
import FieldbookServer
import FieldbookTestSupport

/// A client replica reduced to what a store sees of it: streams of changes, per
/// partition, pushed in batches with their ranges.
struct TestClient: Sendable {
    let id: ReplicaID
    /// Every change written, per partition, in sequence order.
    private(set) var log: [PartitionID: [Change]] = [:]
    /// The last sequence pushed, per partition.
    var pushed: [PartitionID: UInt64] = [:]

    init(id: ReplicaID) {
        self.id = id
    }

    init(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        self.init(id: ReplicaID.random(using: &random))
    }

    /// Writes a cell: the next change of this client's stream in `partition`.
    @discardableResult
    mutating func write(
        _ cell: CellAddress, partition: PartitionID, value: Value, time: UInt64, counter: UInt16 = 0,
        previous: Stamp? = nil
    ) -> Change {
        let sequence = UInt64((log[partition]?.count ?? 0) + 1)
        let change = Change(
            partition: partition, table: cell.table, key: cell.key, column: cell.column, value: value,
            stamp: Stamp(time: HLC(milliseconds: time, counter: counter), origin: id), sequence: sequence,
            previous: previous)
        log[partition, default: []].append(change)
        return change
    }

    /// The changes `(after, through]` of one partition as a batch.
    func batch(_ partition: PartitionID, after: UInt64, through: UInt64) -> ChangeBatch {
        let changes = (log[partition] ?? []).filter { $0.sequence > after && $0.sequence <= through }
        return ChangeBatch(
            changes: changes,
            ranges: [StreamRange(stream: StreamID(partition: partition, origin: id), after: after, through: through)])
    }

    /// Everything not pushed yet, in every partition, as one batch; marks it pushed.
    mutating func push() -> ChangeBatch {
        var batch = ChangeBatch()
        for (partition, changes) in log.sorted(by: { $0.key < $1.key }) {
            let after = pushed[partition] ?? 0
            guard let last = changes.last?.sequence, last > after else { continue }
            let part = self.batch(partition, after: after, through: last)
            batch.changes += part.changes
            batch.ranges += part.ranges
            pushed[partition] = last
        }
        batch.changes.sort { $0.stamp < $1.stamp }
        return batch
    }

    /// The stream of this client in `partition`.
    func stream(_ partition: PartitionID) -> StreamID { StreamID(partition: partition, origin: id) }

    /// Gives changes `from...` of a stream new stamps (a client whose clock was fixed).
    mutating func restamp(_ partition: PartitionID, from sequence: UInt64, time: UInt64) {
        guard var changes = log[partition] else { return }
        var counter: UInt16 = 0
        for index in changes.indices where changes[index].sequence >= sequence {
            changes[index].stamp = Stamp(time: HLC(milliseconds: time, counter: counter), origin: id)
            counter += 1
        }
        log[partition] = changes
    }
}

/// Test cells and partitions.
enum Fixture {
    static let now: UInt64 = 1_750_000_000_000

    static func partition(_ index: UInt64) -> PartitionID {
        PartitionID(cohort: RowID(Bytes16(high: 0x0197_0000_0000_7000 | index, low: 0x8000_0000_0000_0000 | index)))
    }

    static let cohort = partition(1)

    static func row(_ index: UInt64) -> RowID {
        RowID(Bytes16(high: 0x0197_1111_0000_7000, low: 0x8000_0000_0000_0000 | index))
    }

    /// An attendance cell: (event, participant) row, `status` or `remark`.
    static func attendance(_ event: UInt64, _ participant: UInt64, _ column: String = "status") -> CellAddress {
        CellAddress(table: "attendance", key: RowKey(row(event), row(1000 + participant)), column: column)
    }

    static func note(_ index: UInt64, _ column: String = "body") -> CellAddress {
        CellAddress(table: "notes", key: RowKey(row(5000 + index)), column: column)
    }
}

/// A change with the server's own replica ID replaced by a placeholder, so the content
/// of two servers (two replica IDs) compares equal when it is the same.
struct Normalized: Hashable, Sendable, CustomStringConvertible {
    var change: Change

    static let server = ReplicaID(Bytes16(high: .max, low: .max))

    init(_ change: Change, server: ReplicaID) {
        var change = change
        if change.stamp.origin == server { change.stamp.origin = Self.server }
        if change.previous?.origin == server { change.previous?.origin = Self.server }
        if change.value == .blob(server.rawValue.bytes) { change.value = .blob(Self.server.rawValue.bytes) }
        self.change = change
    }

    var description: String { "\(change.partition) \(change)" }
}

/// The normalized content of a store: what `changes(for: Knowledge())` returns, as a set.
func content(_ store: any SyncStore) async throws -> Set<Normalized> {
    Set(try await allChanges(store).map { Normalized($0, server: store.replicaID) })
}
