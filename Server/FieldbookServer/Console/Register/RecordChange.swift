import FieldbookCore

/// One version of one field of a record, as the participant page's change history shows it.
public struct RecordChange: Sendable, Hashable {
    /// What became of this version.
    public enum Outcome: String, Sendable, Hashable {
        /// The value every replica holds now.
        case current
        /// A later write replaced it (it is kept in the log until compaction).
        case superseded
        /// It was concurrent with the winner and lost the merge (from the conflict ledger).
        case lostConflict
    }

    public var table: String
    public var key: RowKey
    public var column: String
    /// The value as text, `nil` for none.
    public var value: String?
    /// When it was written (Unix milliseconds, from its hybrid clock).
    public var writtenAt: UInt64
    /// The exact hybrid time, which tells two versions apart.
    public var time: UInt64
    /// The replica that wrote it.
    public var origin: ReplicaID?
    public var outcome: Outcome

    /// A version from a query row of `value`, `hlc`, `origin` (16 bytes).
    init(table: String, key: RowKey, column: String, row: SQLRow, outcome: Outcome) {
        let time = UInt64(bitPattern: row.values["hlc"]?.integer ?? 0)
        self.init(
            table: table, key: key, column: column, value: row["value"],
            writtenAt: HLC(rawValue: time).milliseconds, time: time,
            origin: row.id("origin").map { ReplicaID($0.rawValue) }, outcome: outcome)
    }

    init(
        table: String, key: RowKey, column: String, value: String?, writtenAt: UInt64, time: UInt64,
        origin: ReplicaID?, outcome: Outcome
    ) {
        (self.table, self.key, self.column, self.value) = (table, key, column, value)
        (self.writtenAt, self.time, self.origin, self.outcome) = (writtenAt, time, origin, outcome)
    }
}
