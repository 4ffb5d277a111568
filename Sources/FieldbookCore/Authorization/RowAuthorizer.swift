/// Checks every change of a batch against the row it touches and the replica that wrote
/// it, before it merges: the row-level authorization every merging replica runs.
///
/// A change's partition label is only its writer's claim. The authorizer derives the
/// row's own partition from the row (``PartitionRule``, declared per table in the
/// replicated schema), reading what it needs (a row's `cohort_id`, an attendance mark's
/// event) from the merge target, and refuses the change when the two differ, when the
/// writer may not write that partition, or when the writer vouches for a stream it may
/// not push. A refusal throws, so the caller's transaction rolls back and nothing of the
/// batch merges.
///
/// ```swift
/// var authorizer = RowAuthorizer(schema: schema, rights: rights, receiver: local)
/// let partition = try authorizer.authorize(change, in: target)  // where a loser is filed
/// ```
///
/// Tables without a rule (written by a newer schema) are checked by their label only.
public struct RowAuthorizer: Sendable {
    /// The rule of each table.
    public let rules: [String: PartitionRule]
    /// What the sender may write.
    public let rights: WriterRights
    /// The receiving replica: nobody else may hand it changes under its own origin.
    public let receiver: ReplicaID?
    /// Partitions derived so far in this batch, so a row's columns cost one lookup.
    private var known: [RowAddress: PartitionID] = [:]
    /// Rows looked up and found without a partition (not held): asked once per batch. A
    /// change writing such a row's partition column later in the batch fills ``known``.
    private var undecided: Set<RowAddress> = []

    /// A table's row, as a cache key.
    struct RowAddress: Hashable {
        var table: String
        var key: RowKey
    }

    /// An authorizer for one batch.
    ///
    /// - Parameters:
    ///   - schema: the replicated schema, whose tables declare their partition rules.
    ///   - rights: what the sender may write.
    ///   - receiver: the receiving replica's ID, if it writes changes of its own.
    public init(schema: ReplicatedSchema, rights: WriterRights, receiver: ReplicaID?) {
        var rules: [String: PartitionRule] = [:]
        for table in schema.tables { rules[table.name] = table.partitionRule }
        self.rules = rules
        self.rights = rights
        self.receiver = receiver
    }

    /// Checks a stream range of the batch, before anything merges.
    ///
    /// - Parameters:
    ///   - range: the range the batch claims.
    ///   - held: what the receiver holds of its stream.
    /// - Throws: ``FieldbookError`` `.scopeDenied` when the sender may not write the
    ///   partition, or claims more of a stream than the receiver holds where it may not
    ///   push that origin (or the origin is the receiver itself).
    public func authorize(_ range: StreamRange, held: UInt64) throws {
        let stream = range.stream
        guard rights.mayWrite(stream.partition) else {
            throw refusal("it may not write partition \(stream.partition); ask the office for a token that opens it")
        }
        // A range within what the receiver holds changes nothing: a client may send back a
        // stream it received while the server was merging, and that is no relay.
        guard range.through > held else { return }
        guard rights.mayPush(from: stream.origin) else {
            throw refusal(
                "it may push only its own replica's changes, not replica \(stream.origin.short)'s (relayed changes wait until their origin syncs itself)"
            )
        }
        if let receiver, stream.origin == receiver {
            throw refusal("it claims changes of this replica (\(receiver.short)) that it never wrote")
        }
    }

    /// Checks one change the receiver does not hold yet.
    ///
    /// - Returns: the partition of the change's row: where a losing value is filed.
    /// - Throws: ``FieldbookError`` `.scopeDenied` with one line naming the table, the row
    ///   and the problem.
    /// - Complexity: at most a few target lookups per row and batch; none for cohorts,
    ///   shared tables and device records.
    public mutating func authorize(_ change: Change, in target: some MergeTarget) throws -> PartitionID {
        guard rights.mayPush(from: change.origin) else {
            throw refusal("it may push only its own replica's changes, not replica \(change.origin.short)'s")
        }
        if let receiver, change.origin == receiver {
            throw refusal("it carries a change under this replica's own ID (\(receiver.short)) that it never wrote")
        }
        guard rights.mayWrite(change.partition) else {
            throw refusal("it may not write partition \(change.partition); ask the office for a token that opens it")
        }
        guard let rule = rules[change.table] else { return change.partition }
        let derived = try partition(of: change, rule: rule, in: target)
        if let derived, derived != change.partition {
            throw refusal(
                "\(change.table) row \(change.key) does not belong to partition \(change.partition), the change's label"
            )
        }
        return derived ?? change.partition
    }

    /// The partition a change's row belongs to, `nil` while the receiver cannot tell yet
    /// (a row whose partition column has not arrived): then the label stands, and the
    /// row's partition column, when it comes, must agree with it.
    private mutating func partition(of change: Change, rule: PartitionRule, in target: some MergeTarget) throws
        -> PartitionID?
    {
        switch rule {
        case .ownKey:
            guard change.key.count == 1 else { throw refusal("\(change.table) row \(change.key) has a pair key") }
            return PartitionID(change.key.first.rawValue)
        case .shared:
            guard rights.writesEverything else {
                throw refusal("it may not write \(change.table): shared reference data is written by the office only")
            }
            return .shared
        case .column(let column):
            let row = RowAddress(table: change.table, key: change.key)
            let stored = try rowPartition(row, in: target)
            guard change.column == column else { return stored }
            guard let claimed = change.value.blob.flatMap(Bytes16.init(bytes:)).map(PartitionID.init) else {
                throw refusal("\(change.table) row \(change.key): \(column) must be a 16-byte cohort ID")
            }
            if let stored, stored != claimed {
                throw refusal("\(change.table) row \(change.key): a row never moves to another partition")
            }
            known[row] = claimed
            return claimed
        case .keyReference(let table, let part):
            guard part < change.key.count else {
                throw refusal("\(change.table) row \(change.key) has too few key parts")
            }
            return try rowPartition(RowAddress(table: table, key: RowKey(change.key.parts[part])), in: target)
        case .replicaRecord(let replicaColumn):
            guard change.key == PartitionRule.replicaRecordKey(replica: change.origin, partition: change.partition)
            else {
                throw refusal("\(change.table) row \(change.key) is another replica's own record")
            }
            if change.column == replicaColumn, change.value.blob != change.origin.rawValue.bytes {
                throw refusal("\(change.table) row \(change.key): \(replicaColumn) must name its writer")
            }
            return change.partition
        case .ledger:
            return try ledgerPartition(of: change, in: target)
        }
    }

    /// The partition of a ledger entry: that of the cell it is about, once the receiver
    /// knows which cell (its table and key columns, in this change or already stored).
    private mutating func ledgerPartition(of change: Change, in target: some MergeTarget) throws -> PartitionID? {
        typealias Column = ConflictEntry.Column
        if change.column == Column.resolvedBy, !change.value.isNull,
            change.value.blob != change.origin.rawValue.bytes
        {
            throw refusal("\(change.table) row \(change.key): a conflict is resolved only in its resolver's own name")
        }
        func current(_ column: String) throws -> Value? {
            try target.currentVersion(of: CellAddress(table: change.table, key: change.key, column: column))?.value
        }
        // The cell an entry is about decides its partition, so it is fixed for good: every
        // replica that detects the conflict writes the same one. A change that rewrites it
        // (or writes something that names no cell) would move the entry out of the
        // partition whose replicas hold it (simulation seed 79, a byzantine laptop).
        if change.column == Column.table || change.column == Column.rowKey {
            let valid =
                change.column == Column.table
                ? change.value.text != nil : change.value.blob.flatMap(RowKey.init(bytes:)) != nil
            guard valid else { throw refusal("\(change.table) row \(change.key): \(change.column) names no cell") }
            if let stored = try current(change.column), stored != change.value {
                throw refusal(
                    "\(change.table) row \(change.key) is about one cell for good; \(change.column) cannot change")
            }
        }
        func stored(_ column: String) throws -> Value? {
            change.column == column ? change.value : try current(column)
        }
        guard let table = try stored(Column.table)?.text, let keyBytes = try stored(Column.rowKey)?.blob else {
            return nil
        }
        guard let key = RowKey(bytes: keyBytes), table != ConflictEntry.table else {
            throw refusal("\(change.table) row \(change.key) is about no valid cell")
        }
        return try rowPartition(RowAddress(table: table, key: key), in: target)
    }

    /// The partition of a stored row, derived from the row alone; `nil` when the receiver
    /// does not hold what decides it.
    private mutating func rowPartition(_ row: RowAddress, in target: some MergeTarget) throws -> PartitionID? {
        if let partition = known[row] { return partition }
        if undecided.contains(row) { return nil }
        let partition: PartitionID?
        switch rules[row.table] {
        case .ownKey:
            partition = row.key.count == 1 ? PartitionID(row.key.first.rawValue) : nil
        case .shared:
            partition = .shared
        case .column(let column):
            let cell = CellAddress(table: row.table, key: row.key, column: column)
            let bytes = target.knows(cell) ? try target.currentVersion(of: cell)?.value.blob : nil
            partition = bytes.flatMap(Bytes16.init(bytes:)).map(PartitionID.init)
        case .keyReference(let table, let part):
            guard part < row.key.count else { return nil }
            partition = try rowPartition(RowAddress(table: table, key: RowKey(row.key.parts[part])), in: target)
        case .replicaRecord, .ledger, nil:
            // A device record's partition is hashed into its key; a ledger entry about a
            // ledger entry does not exist: neither decides another row's partition.
            partition = nil
        }
        if let partition { known[row] = partition } else { undecided.insert(row) }
        return partition
    }

    /// The cells whose values decide the partitions of a batch's rows: what a store that
    /// reads ahead (PostgreSQL) should load before the merge.
    public func decidingCells(of changes: [Change]) -> Set<CellAddress> {
        var cells: Set<CellAddress> = []
        for change in changes {
            switch rules[change.table] {
            case .column(let column):
                cells.insert(CellAddress(table: change.table, key: change.key, column: column))
            case .keyReference(let table, let part) where part < change.key.count:
                if case .column(let column) = rules[table] {
                    cells.insert(CellAddress(table: table, key: RowKey(change.key.parts[part]), column: column))
                }
            case .ledger:
                cells.insert(CellAddress(table: change.table, key: change.key, column: ConflictEntry.Column.table))
                cells.insert(CellAddress(table: change.table, key: change.key, column: ConflictEntry.Column.rowKey))
            default:
                break
            }
        }
        return cells
    }

    /// Every `(table, column)` whose value can decide a row's partition, the ledger's
    /// cell columns included: the columns a reading-ahead store must be able to look up.
    public var decidingColumns: [(table: String, column: String)] {
        var columns = [
            (ConflictEntry.table, ConflictEntry.Column.table), (ConflictEntry.table, ConflictEntry.Column.rowKey),
        ]
        for (table, rule) in rules.sorted(by: { $0.key < $1.key }) {
            if case .column(let column) = rule { columns.append((table, column)) }
        }
        return columns
    }

    /// A refusal naming the sender: one line, saying what is wrong.
    func refusal(_ problem: String) -> FieldbookError {
        FieldbookError(.scopeDenied, "refused from \(rights.name): \(problem); nothing was merged")
    }
}
