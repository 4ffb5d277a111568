/// The conflict ledger: concurrent values that lost a merge, kept for the office to review.
///
/// The ledger is itself replicated data: table ``ConflictEntry/table`` in the cell's
/// partition, one row per losing version, keyed by a hash of the cell and the loser's
/// stamp. Any replica that sees the conflict writes the same key with the same content,
/// so the entry converges everywhere, even on replicas that never saw the losing value
/// (compaction may remove it from a log before a replica pulls it).
public enum ConflictEntry {
    /// The replicated ledger table.
    public static let table = "conflicts"

    /// Ledger columns, written once by whoever detects the conflict.
    public enum Column {
        /// The conflicting cell's table.
        public static let table = "cell_table"
        /// The conflicting cell's row key (16 or 32 bytes).
        public static let rowKey = "cell_key"
        /// The conflicting cell's column.
        public static let column = "cell_column"
        /// The losing value.
        public static let value = "loser_value"
        /// The losing version's hybrid time.
        public static let time = "loser_time"
        /// The losing version's author (replica ID bytes).
        public static let origin = "loser_origin"
        /// Hybrid time of the write that resolved the entry; NULL while open.
        public static let resolvedTime = "resolved_time"
        /// Author of the resolving write.
        public static let resolvedBy = "resolved_by"
    }

    /// The ledger row key of a losing version of a cell: the same on every replica.
    public static func key(cell: CellAddress, loser: Stamp) -> RowKey {
        var bytes = Array(cell.table.utf8) + [0] + cell.key.bytes + Array(cell.column.utf8) + [0]
        bytes += withUnsafeBytes(of: loser.time.rawValue.bigEndian, Array.init)
        bytes += loser.origin.rawValue.bytes
        return RowKey(RowID.derived(from: bytes))
    }

    /// The values of a new ledger row for a losing version.
    public static func values(cell: CellAddress, loser: CellVersion) -> [(column: String, value: Value)] {
        [
            (Column.table, .text(cell.table)),
            (Column.rowKey, .blob(cell.key.bytes)),
            (Column.column, .text(cell.column)),
            (Column.value, loser.value),
            (Column.time, .integer(Int64(bitPattern: loser.stamp.time.rawValue))),
            (Column.origin, .blob(loser.stamp.origin.rawValue.bytes)),
        ]
    }
}
