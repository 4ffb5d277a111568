import FieldbookCore

/// The ``FieldbookCore/MergeTarget`` of one PostgreSQL merge: answers from state read
/// before the merge and records every write the merge decides, for one flush after it.
///
/// ``FieldbookCore/BatchMerger`` is synchronous and PostgreSQL is not, so the target
/// never queries. When the merge asks something it was not given (whether a ledger row
/// exists, a cell nobody read) the target records the question, answers as if absent,
/// and the run is marked incomplete: the caller reads the answers and runs the merge
/// again from the start. A merge is deterministic given its inputs, so the final run is
/// exactly the merge a connected target would have done; usually the first run is it.
final class PostgresMergeTarget: MergeTarget {
    /// A cell's winning version and where its change sits in the log.
    struct Winner: Sendable {
        var version: CellVersion
        var stream: Int64
        var sequence: UInt64
    }

    /// What the merge reads: filled before the first run, completed between runs.
    struct Inputs: Sendable {
        var clock: HybridClock
        /// Stream row IDs and vector entries.
        var streams: [StreamID: (ref: Int64, held: UInt64)] = [:]
        /// Winners in the database; `absent` holds cells read and found empty.
        var cells: [CellAddress: Winner] = [:]
        var absent: Set<CellAddress> = []
        /// Whether a ledger row (any of its cells) exists in the database.
        var ledgerRows: [RowKey: Bool] = [:]
    }

    /// A quarantined change to store, with its reason.
    struct Held {
        var change: Change
        var stream: Int64
        var reason: String
    }

    /// The largest sequence a stream may reach (the SQLite store's limit, kept so both
    /// stores accept exactly the same batches).
    static let maximumSequence: UInt64 = 0xFFFF_FFFF

    let inputs: Inputs
    let local: ReplicaID
    let now: UInt64
    var clock: HybridClock

    private(set) var streams: [StreamID: (ref: Int64, held: UInt64)]
    private(set) var dirtyStreams: Set<StreamID> = []
    /// Cells installed by this run, with their new winners.
    private(set) var installed: [CellAddress: Winner] = [:]
    /// Superseded changes to keep in the log.
    private(set) var history: [(cell: CellAddress, winner: Winner)] = []
    private(set) var held: [StreamID: [UInt64: Held]] = [:]
    /// Quarantine rows to drop, per stream ID: sequences up to the value.
    private(set) var cleared: [Int64: UInt64] = [:]
    /// Whether the merge stamped a ledger write with this replica's clock.
    private(set) var ticked = false
    private var createdLedgerRows: Set<RowKey> = []

    private(set) var missingCells: Set<CellAddress> = []
    private(set) var missingLedgerRows: Set<RowKey> = []
    private(set) var missingStreams: Set<StreamID> = []

    init(inputs: Inputs, local: ReplicaID, now: UInt64) {
        self.inputs = inputs
        self.local = local
        self.now = now
        self.clock = inputs.clock
        self.streams = inputs.streams
    }

    /// Whether every question the merge asked had an answer.
    var isComplete: Bool { missingCells.isEmpty && missingLedgerRows.isEmpty && missingStreams.isEmpty }

    // MARK: Reading

    func winner(of cell: CellAddress) -> Winner? {
        if let winner = installed[cell] { return winner }
        if let winner = inputs.cells[cell] { return winner }
        if inputs.absent.contains(cell) { return nil }
        // A ledger row missing from the database has no cells there.
        if cell.table == ConflictEntry.table, inputs.ledgerRows[cell.key] == false { return nil }
        missingCells.insert(cell)
        return nil
    }

    func ledgerRowExists(_ key: RowKey) -> Bool {
        if createdLedgerRows.contains(key) { return true }
        if let stored = inputs.ledgerRows[key] { return stored }
        missingLedgerRows.insert(key)
        return false
    }

    func streamRef(_ stream: StreamID) -> Int64 {
        if let state = streams[stream] { return state.ref }
        missingStreams.insert(stream)
        return -1
    }

    /// The stream row ID of a change, checking its sequence as the SQLite store does.
    func streamRef(of change: Change) throws -> Int64 {
        guard change.sequence >= 1, change.sequence <= Self.maximumSequence else {
            throw FieldbookError(.corrupt, "change sequence #\(change.sequence) is out of range")
        }
        return streamRef(change.stream)
    }

    // MARK: MergeTarget

    func heldSequence(of stream: StreamID) throws -> UInt64 {
        guard let state = streams[stream] else {
            missingStreams.insert(stream)
            return 0
        }
        return state.held
    }

    func setHeldSequence(_ sequence: UInt64, of stream: StreamID) throws {
        guard var state = streams[stream] else {
            missingStreams.insert(stream)
            return
        }
        state.held = sequence
        streams[stream] = state
        dirtyStreams.insert(stream)
    }

    /// The store is schema-agnostic: a column from a newer client is a cell like any other.
    func knows(_ cell: CellAddress) -> Bool { true }

    func currentVersion(of cell: CellAddress) throws -> CellVersion? {
        winner(of: cell)?.version
    }

    func install(_ change: Change, displacing displaced: CellVersion?) throws {
        let ref = try streamRef(of: change)
        if let current = winner(of: change.cell), displaced != nil {
            history.append((change.cell, current))
        }
        installed[change.cell] = Winner(version: change.version, stream: ref, sequence: change.sequence)
        if change.table == ConflictEntry.table { createdLedgerRows.insert(change.key) }
    }

    func retire(_ change: Change) throws {
        let ref = try streamRef(of: change)
        history.append((change.cell, Winner(version: change.version, stream: ref, sequence: change.sequence)))
    }

    func holdUnknown(_ change: Change) throws {
        throw FieldbookError(.internal, "the PostgreSQL store knows every column; nothing is held as unknown")
    }

    func quarantine(_ change: Change, reason: String) throws {
        let ref = try streamRef(of: change)
        held[change.stream, default: [:]][change.sequence] = Held(change: change, stream: ref, reason: reason)
    }

    func clearQuarantine(_ stream: StreamID, through sequence: UInt64) throws {
        let ref = streamRef(stream)
        cleared[ref] = max(cleared[ref] ?? 0, sequence)
        held[stream] = held[stream]?.filter { $0.key > sequence }
    }

    func recordConflict(_ cell: CellAddress, partition: PartitionID, loser: CellVersion) throws {
        let key = ConflictEntry.key(cell: cell, loser: loser.stamp)
        guard !ledgerRowExists(key) else { return }
        for (column, value) in ConflictEntry.values(cell: cell, loser: loser) {
            try write(
                CellAddress(table: ConflictEntry.table, key: key, column: column), partition: partition, value: value)
        }
    }

    /// A local write of this replica (a ledger cell, or an office decision), exactly as the
    /// SQLite store's `StoreSession.write`: a new change in this replica's stream for the
    /// partition.
    ///
    /// - Parameters:
    ///   - decision: write even when the cell holds `value` already (keeping the winner of
    ///     a conflict is a write that has seen both versions).
    ///   - time: the stamp's time, shared by the cells of a column group written together;
    ///     `nil` for the next reading of the clock.
    func write(
        _ cell: CellAddress, partition: PartitionID, value: Value, decision: Bool = false, at time: HLC? = nil
    ) throws {
        let current = winner(of: cell)?.version
        if let current, current.value == value, !decision { return }
        let time = time ?? clock.tick(now: now, over: current?.stamp)
        let stream = StreamID(partition: partition, origin: local)
        let sequence = try heldSequence(of: stream) + 1
        guard sequence <= Self.maximumSequence else {
            throw FieldbookError(.storage, "the log of partition \(partition) is full")
        }
        let change = Change(
            partition: partition, table: cell.table, key: cell.key, column: cell.column, value: value,
            stamp: Stamp(time: time, origin: local), sequence: sequence, previous: current?.stamp)
        try install(change, displacing: current)
        try setHeldSequence(sequence, of: stream)
        ticked = true
    }
}
