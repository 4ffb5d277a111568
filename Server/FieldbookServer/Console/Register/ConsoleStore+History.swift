import Fieldbook
import FieldbookCore

/// The change history of records: every version of every field the server still holds
/// (current and superseded, with author and time) and the conflict losers from the ledger.
extension ConsoleStore {
    /// The history of a participant's own record and of their attendance at `events`,
    /// oldest first.
    ///
    /// - Complexity: a fixed number of queries (two per table on SQLite, two in all on
    ///   PostgreSQL, one for the ledger); the superseded versions are found by a scan of
    ///   the log's superseded changes, which compaction keeps short.
    public func changeHistory(participant: RowID, events: [RowID]) async throws -> [RecordChange] {
        let records =
            [RecordAddress(table: NPQSchema.Table.participants, key: RowKey(participant))]
            + events.map { RecordAddress(table: NPQSchema.Table.attendance, key: RowKey($0, participant)) }
        var changes = try await versions(of: records)
        // A loser that reached the server is also in the log as superseded: one line for it.
        var seen: [CellStamp: Int] = [:]
        for (index, change) in changes.enumerated() { seen[CellStamp(change)] = index }
        let keys = records.map { SQLValue.blob($0.key.bytes) }
        for row in try await query(
            """
            SELECT cell_table, cell_key, cell_column, loser_value AS value, loser_time AS hlc, loser_origin AS origin
            FROM conflicts WHERE deleted = 0 AND \(ConsoleSchema.completeEntry)
            AND cell_key IN (\(keys.map { _ in "?" }.joined(separator: ", ")))
            """, keys)
        {
            guard case .blob(let bytes)? = row.values["cell_key"], let key = RowKey(bytes: bytes) else { continue }
            let loser = RecordChange(
                table: row["cell_table"] ?? "", key: key, column: row["cell_column"] ?? "", row: row,
                outcome: .lostConflict)
            if let index = seen[CellStamp(loser)] {
                changes[index].outcome = .lostConflict
            } else {
                changes.append(loser)
            }
        }
        return changes.sorted { ($0.time, $0.table, $0.column) < ($1.time, $1.table, $1.column) }
    }
}

/// A replicated row: its table and key.
public struct RecordAddress: Sendable, Hashable {
    public var table: String
    public var key: RowKey
}

/// A version of a cell by its stamp, to match a ledger loser with its logged change.
private struct CellStamp: Hashable {
    var table: String
    var key: RowKey
    var column: String
    var time: UInt64
    var origin: ReplicaID?

    init(_ change: RecordChange) {
        (table, key, column, time, origin) = (change.table, change.key, change.column, change.time, change.origin)
    }
}
