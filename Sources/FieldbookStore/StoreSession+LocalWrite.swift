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
        try write(together: [(cell, value)], partition: partition).first
    }

    /// Writes cells as one write: every change gets the same stamp, one that sorts after
    /// the current version of each cell, so whenever two such writes are concurrent, each
    /// cell compares the same two stamps and they win or lose together on every replica.
    /// That is how a column group (an attendance mark's status and remark) stays one value.
    ///
    /// When any cell changes (or has open conflicts, which the write resolves), every cell
    /// is written, unchanged ones included, so the group's new stamp covers all of it; when
    /// none does, nothing is written.
    ///
    /// - Returns: the changes written, in the order given.
    func write(together cells: [(CellAddress, Value)], partition: PartitionID, knownNew: Bool = false) throws
        -> [Change]
    {
        var currents: [CellVersion?] = []
        var openConflicts: [[RowKey]] = []
        var changes = false
        // Cells of one row that the first lookup finds absent (or that the caller knows to be
        // new): a new row, whose cells need no lookup and which is inserted whole below.
        var newRow = knownNew && Self.areOneRow(cells)
        for (index, (cell, value)) in cells.enumerated() {
            let current: CellVersion?
            if index > 0 || knownNew, newRow {
                current = nil
            } else {
                let found = try lookup(cell)
                current = found.version
                newRow = index == 0 && found.rowID == nil && Self.areOneRow(cells)
            }
            let open = cell.table == ConflictEntry.table ? [] : try openConflictKeys(of: cell)
            currents.append(current)
            openConflicts.append(open)
            if current?.value != value || current == nil || !open.isEmpty { changes = true }
        }
        guard changes else { return [] }

        let time = clock.tick(now: now, after: currents.compactMap { $0?.stamp.time }.max())
        let stream = StreamID(partition: partition, origin: local)
        let ref = try streamRef(stream, create: true)!
        var written: [Change] = []
        for ((cell, value), current) in zip(cells, currents) {
            let sequence = try heldSequence(ref: ref) + 1 + UInt64(newRow ? written.count : 0)
            guard sequence <= LogID.maximumSequence else {
                throw FieldbookError(.storage, "the log of partition \(partition) is full")
            }
            let change = Change(
                partition: partition, table: cell.table, key: cell.key, column: cell.column, value: value,
                stamp: Stamp(time: time, origin: local), sequence: sequence, previous: current?.stamp)
            if !newRow {
                try install(change, displacing: current)
                held[ref] = sequence
            }
            written.append(change)
        }
        if newRow {
            try insertRow(written)
            held[ref] = written.last!.sequence
        }
        dirtyHeld.insert(ref)
        writtenPartitions.insert(partition)

        for key in openConflicts.joined() {
            let ledger = { CellAddress(table: ConflictEntry.table, key: key, column: $0) }
            try write(
                ledger(ConflictEntry.Column.resolvedTime), partition: partition, value: .integer(time.databaseInteger))
            try write(ledger(ConflictEntry.Column.resolvedBy), partition: partition, value: .blob(local.rawValue.bytes))
        }
        return written
    }

    /// Whether `cells` are distinct columns of one row (so one `INSERT` can create it).
    static func areOneRow(_ cells: [(CellAddress, Value)]) -> Bool {
        guard cells.count > 1, let first = cells.first?.0 else { return false }
        var columns: Set<String> = []
        return cells.allSatisfy { cell, _ in
            cell.table == first.table && cell.key == first.key && columns.insert(cell.column).inserted
        }
    }

    /// Creates a row that does not exist yet with every cell of `changes` (one row's,
    /// consecutive in one stream) in one statement, and their log entries: a new
    /// participant costs one row write, not an insert and five updates of the same row.
    func insertRow(_ changes: [Change]) throws {
        let entries = try changes.map { try entry($0.cell) }
        let logIDs = try changes.map { try logID(of: $0) }
        var insert = RawStatement(try rowInsert(entries))
        insert.bind(changes[0].key)
        for (change, logID) in zip(changes, logIDs) {
            insert.bind(change.value)
            insert.bind(logID)
        }
        try insert.run()
        let rowID = db.lastInsertedRowID
        for index in changes.indices {
            try insertCell(logID: logIDs[index], column: entries[index].id, rowID: rowID, change: changes[index])
        }
        let last = changes.count - 1
        lastLookup = CellLookup(
            cell: changes[last].cell, rowID: rowID, logID: logIDs[last], version: changes[last].version)
    }

    /// The statement inserting a row with the key and the value and version of each of
    /// `entries` (columns of one table), prepared once per session.
    func rowInsert(_ entries: [ColumnCatalog.Entry]) throws -> Statement {
        let ids = entries.map(\.id)
        if let statement = rowInserts[ids] { return statement }
        let columns =
            entries[0].table.keyColumns.map(\.quotedIdentifier)
            + entries.flatMap {
                [$0.column.name.quotedIdentifier, StoreMigrations.versionColumn($0.column.name).quotedIdentifier]
            }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO \(entries[0].table.name.quotedIdentifier) (\(columns.joined(separator: ", ")))
                VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                """)
        rowInserts[ids] = statement
        return statement
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
