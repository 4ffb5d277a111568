import FieldbookCore

/// A replica held in dictionaries: the smallest ``MergeTarget`` and ``ChangeSource``,
/// so the merge algorithm and the batch assembler can be tested without SQLite.
///
/// It counts every mutating call, so a test can prove that a refused batch touched nothing.
final class MemoryReplica: MergeTarget, ChangeSource {
    let id: ReplicaID
    var clock: HybridClock
    /// Version vector entries.
    var held: [StreamID: UInt64] = [:]
    /// Every change held in the log (winners and superseded), by stream and sequence.
    var log: [StreamID: [UInt64: Change]] = [:]
    /// The winning version of each cell.
    var winners: [CellAddress: CellVersion] = [:]
    /// `table.column` names this replica knows; `nil` knows everything.
    var known: Set<String>?
    var pending: [Change] = []
    var quarantined: [StreamID: [UInt64: Change]] = [:]
    var conflicts: [(cell: CellAddress, partition: PartitionID, loser: CellVersion)] = []
    /// Mutating calls made by a merge.
    var mutations = 0
    /// Changes handed out by ``changes(in:after:limit:)``: the cost of assembling batches.
    var changesRead = 0
    /// How many times a stream was read (a query, on a real store).
    var reads = 0

    init(_ id: ReplicaID, clock: HybridClock = HybridClock(), known: Set<String>? = nil) {
        self.id = id
        self.clock = clock
        self.known = known
    }

    // MARK: MergeTarget

    func heldSequence(of stream: StreamID) throws -> UInt64 { held[stream] ?? 0 }

    func setHeldSequence(_ sequence: UInt64, of stream: StreamID) throws {
        mutations += 1
        held[stream] = sequence
    }

    func knows(_ cell: CellAddress) -> Bool { known?.contains("\(cell.table).\(cell.column)") ?? true }

    func currentVersion(of cell: CellAddress) throws -> CellVersion? { winners[cell] }

    func install(_ change: Change, displacing displaced: CellVersion?) throws {
        mutations += 1
        winners[change.cell] = change.version
        log[change.stream, default: [:]][change.sequence] = change
    }

    func retire(_ change: Change) throws {
        mutations += 1
        log[change.stream, default: [:]][change.sequence] = change
    }

    func holdUnknown(_ change: Change) throws {
        mutations += 1
        pending.append(change)
        log[change.stream, default: [:]][change.sequence] = change
    }

    func quarantine(_ change: Change, reason: String) throws {
        mutations += 1
        quarantined[change.stream, default: [:]][change.sequence] = change
    }

    func clearQuarantine(_ stream: StreamID, through sequence: UInt64) throws {
        mutations += 1
        quarantined[stream] = quarantined[stream]?.filter { $0.key > sequence }
    }

    func recordConflict(_ cell: CellAddress, partition: PartitionID, loser: CellVersion) throws {
        mutations += 1
        conflicts.append((cell, partition, loser))
    }

    // MARK: ChangeSource

    func knowledge() throws -> Knowledge {
        var knowledge = Knowledge()
        for (stream, sequence) in held { knowledge[stream] = sequence }
        return knowledge
    }

    func changes(in stream: StreamID, after: UInt64, limit: Int) throws -> [Change] {
        guard let entries = log[stream], let last = entries.keys.max(), last > after else { return [] }
        var result: [Change] = []
        var sequence = after + 1
        while sequence <= last && result.count < limit {
            if let change = entries[sequence] { result.append(change) }
            sequence += 1
        }
        changesRead += result.count
        reads += 1
        return result
    }

    // MARK: Local writes and compaction

    /// Writes a cell locally at physical time `now`, as a store would.
    @discardableResult
    func write(_ cell: CellAddress, partition: PartitionID, _ value: Value, now: UInt64) -> Change {
        let stream = StreamID(partition: partition, origin: id)
        let sequence = (held[stream] ?? 0) + 1
        let change = Change(
            partition: partition, table: cell.table, key: cell.key, column: cell.column, value: value,
            stamp: Stamp(time: clock.tick(now: now), origin: id), sequence: sequence, previous: winners[cell]?.stamp)
        held[stream] = sequence
        winners[cell] = change.version
        log[stream, default: [:]][sequence] = change
        return change
    }

    /// Drops changes from the log (as compaction does); the vector still counts them.
    func compact(_ stream: StreamID, sequences: some Sequence<UInt64>) {
        for sequence in sequences { log[stream]?[sequence] = nil }
    }
}

/// Shorthands for building changes by hand.
enum Make {
    static let a = ReplicaID(Bytes16(high: 0xA, low: 0))
    static let b = ReplicaID(Bytes16(high: 0xB, low: 0))
    static let c = ReplicaID(Bytes16(high: 0xC, low: 0))
    static let cohort = PartitionID(Bytes16(high: 0x0190_0000_0000_7001, low: 0x8000_0000_0000_0001))

    static func cell(_ row: UInt64 = 1, _ column: String = "name", table: String = "items") -> CellAddress {
        CellAddress(table: table, key: RowKey(RowID(Bytes16(high: 0x0190_0000_0000_7000, low: row))), column: column)
    }

    static func stamp(_ milliseconds: UInt64, _ origin: ReplicaID, counter: UInt16 = 0) -> Stamp {
        Stamp(time: HLC(milliseconds: milliseconds, counter: counter), origin: origin)
    }

    static func change(
        _ cell: CellAddress = cell(), _ value: Value, at stamp: Stamp, sequence: UInt64, previous: Stamp? = nil,
        partition: PartitionID = .shared
    ) -> Change {
        Change(
            partition: partition, table: cell.table, key: cell.key, column: cell.column, value: value, stamp: stamp,
            sequence: sequence, previous: previous)
    }

    /// A batch of one stream's changes with the range `(after, through]`.
    static func batch(_ changes: [Change], after: UInt64, through: UInt64? = nil) -> ChangeBatch {
        let stream = changes.first!.stream
        return ChangeBatch(
            changes: changes,
            ranges: [StreamRange(stream: stream, after: after, through: through ?? changes.last!.sequence)])
    }
}
