import FieldbookCore
import Foundation
import GRDB

extension StoreSession {
    /// Writes one cell locally: a new change in this replica's stream for the partition.
    ///
    /// Writing the value a cell already holds is a no-op, unless the cell has open
    /// conflicts: then the write is a decision, and it resolves them.
    ///
    /// - Returns: the change written, or `nil` when nothing changed.
    @discardableResult
    func write(_ cell: CellAddress, partition: PartitionID, value: Value) throws -> Change? {
        let current = try lookup(cell).version
        let openConflicts = cell.table == ConflictEntry.table ? [] : try openConflictKeys(of: cell)
        if let current, current.value == value, openConflicts.isEmpty { return nil }

        let time = clock.tick(now: now, over: current?.stamp)
        let stream = StreamID(partition: partition, origin: local)
        let ref = try streamRef(stream, create: true)!
        let sequence = try heldSequence(ref: ref) + 1
        guard sequence <= LogID.maximumSequence else {
            throw FieldbookError(.storage, "the log of partition \(partition) is full")
        }
        let change = Change(
            partition: partition, table: cell.table, key: cell.key, column: cell.column, value: value,
            stamp: Stamp(time: time, origin: local), sequence: sequence, previous: current?.stamp)
        try install(change, displacing: current)
        writtenPartitions.insert(partition)
        held[ref] = sequence
        dirtyHeld.insert(ref)

        for key in openConflicts {
            let ledger = { CellAddress(table: ConflictEntry.table, key: key, column: $0) }
            try write(
                ledger(ConflictEntry.Column.resolvedTime), partition: partition, value: .integer(time.databaseInteger))
            try write(ledger(ConflictEntry.Column.resolvedBy), partition: partition, value: .blob(local.rawValue.bytes))
        }
        return change
    }

    /// The ledger rows of `cell` that are still open.
    func openConflictKeys(of cell: CellAddress) throws -> [RowKey] {
        if ledgerHasOpenEntries == nil {
            ledgerHasOpenEntries =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM \(ConflictEntry.table.quotedIdentifier)
                        WHERE \(ConflictEntry.Column.resolvedTime) IS NULL AND deleted = 0)
                        """) ?? false
        }
        guard ledgerHasOpenEntries == true else { return [] }
        let statement = try db.cachedStatement(
            sql: """
                SELECT id FROM \(ConflictEntry.table.quotedIdentifier)
                WHERE \(ConflictEntry.Column.table) = ? AND \(ConflictEntry.Column.rowKey) = ?
                AND \(ConflictEntry.Column.column) = ? AND \(ConflictEntry.Column.resolvedTime) IS NULL AND deleted = 0
                ORDER BY id
                """)
        return try Data.fetchAll(statement, arguments: [cell.table, Data(cell.key.bytes), cell.column]).compactMap {
            Bytes16(data: $0).map { RowKey(RowID($0)) }
        }
    }
}
