import FieldbookCore
import Foundation
import GRDB

extension StoreSession: MergeTarget {
    func heldSequence(of stream: StreamID) throws -> UInt64 {
        guard let ref = try streamRef(stream, create: false) else { return 0 }
        return try heldSequence(ref: ref)
    }

    func setHeldSequence(_ sequence: UInt64, of stream: StreamID) throws {
        let ref = try streamRef(stream, create: true)!
        held[ref] = sequence
        dirtyHeld.insert(ref)
    }

    func knows(_ cell: CellAddress) -> Bool {
        catalog.columns.entry(table: cell.table, column: cell.column) != nil
    }

    func currentVersion(of cell: CellAddress) throws -> CellVersion? {
        try lookup(cell).version
    }

    /// Finds a cell's row and winning version, remembering the answer for the next call.
    func lookup(_ cell: CellAddress) throws -> CellLookup {
        if let lastLookup, lastLookup.cell == cell { return lastLookup }
        let entry = try entry(cell)
        let statement = try db.cachedStatement(sql: entry.sql.lookup)
        var result = CellLookup(cell: cell)
        if let row = try Row.fetchOne(
            statement, arguments: StatementArguments(try keyArguments(cell.key, table: entry.table)))
        {
            result.rowID = row[0]
            if let logID = row[1] as Int64? {
                result.logID = logID
                let origin = try stream(ref: LogID.stream(logID)).origin
                result.version = CellVersion(
                    stamp: Stamp(time: HLC(databaseInteger: row[2]), origin: origin),
                    previous: try previousStamp(time: row[3], origin: row[4]),
                    value: Value(row[5] as DatabaseValue))
            }
        }
        lastLookup = result
        return result
    }

    func install(_ change: Change, displacing displaced: CellVersion?) throws {
        var found = try lookup(change.cell)
        let entry = try entry(change.cell)
        let newID = try logID(of: change)
        if let rowID = found.rowID {
            try db.cachedStatement(sql: entry.sql.update).execute(arguments: [change.value.databaseValue, newID, rowID])
        } else {
            var arguments = try keyArguments(change.key, table: entry.table)
            arguments.append(change.value.databaseValue)
            arguments.append(newID)
            try db.cachedStatement(sql: entry.sql.insert).execute(arguments: StatementArguments(arguments))
            found.rowID = db.lastInsertedRowID
        }
        let previous = try previousColumns(change.previous)
        if let oldID = found.logID, let displaced {
            try insertHistory(
                id: oldID, column: entry.id, rowID: found.rowID!, version: displaced)
            try db.cachedStatement(
                sql: "UPDATE fb_cells SET id = ?, hlc = ?, prev_hlc = ?, prev_origin = ? WHERE id = ?"
            ).execute(arguments: [newID, change.stamp.time.databaseInteger, previous.time, previous.origin, oldID])
        } else {
            try db.cachedStatement(
                sql: "INSERT INTO fb_cells (id, col, rid, hlc, prev_hlc, prev_origin) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [
                newID, entry.id, found.rowID!, change.stamp.time.databaseInteger, previous.time, previous.origin,
            ])
        }
        found.logID = newID
        found.version = change.version
        lastLookup = found
    }

    func retire(_ change: Change) throws {
        let found = try lookup(change.cell)
        guard let rowID = found.rowID else {
            throw FieldbookError(.internal, "retiring a change of a row that does not exist")
        }
        try insertHistory(
            id: try logID(of: change), column: try entry(change.cell).id, rowID: rowID, version: change.version)
    }

    func insertHistory(id: Int64, column: Int64, rowID: Int64, version: CellVersion) throws {
        let previous = try previousColumns(version.previous)
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO fb_history (id, col, rid, hlc, prev_hlc, prev_origin, value, superseded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, column, rowID, version.stamp.time.databaseInteger, previous.time, previous.origin,
            version.value.databaseValue, Int64(now),
        ])
    }

    func holdUnknown(_ change: Change) throws {
        let previous = try previousColumns(change.previous)
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO fb_pending (id, tbl, col, row_key, hlc, prev_hlc, prev_origin, value)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            try logID(of: change), change.table, change.column, Data(change.key.bytes),
            change.stamp.time.databaseInteger, previous.time, previous.origin, change.value.databaseValue,
        ])
    }

    func quarantine(_ change: Change, reason: String) throws {
        let previous = try previousColumns(change.previous)
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO fb_quarantine (id, tbl, col, row_key, hlc, prev_hlc, prev_origin, value, reason, received)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            try logID(of: change), change.table, change.column, Data(change.key.bytes),
            change.stamp.time.databaseInteger, previous.time, previous.origin, change.value.databaseValue,
            reason, Int64(now),
        ])
    }

    func clearQuarantine(_ stream: StreamID, through sequence: UInt64) throws {
        guard let ref = try streamRef(stream, create: false) else { return }
        try db.cachedStatement(sql: "DELETE FROM fb_quarantine WHERE id BETWEEN ? AND ?")
            .execute(arguments: [LogID.make(stream: ref, sequence: 0), LogID.make(stream: ref, sequence: sequence)])
    }

    func recordConflict(_ cell: CellAddress, partition: PartitionID, loser: CellVersion) throws {
        let key = ConflictEntry.key(cell: cell, loser: loser.stamp)
        let exists =
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM \(ConflictEntry.table.quotedIdentifier) WHERE id = ?",
                arguments: [key.first.rawValue.data]) ?? false
        guard !exists else { return }
        for (column, value) in ConflictEntry.values(cell: cell, loser: loser) {
            try write(
                CellAddress(table: ConflictEntry.table, key: key, column: column), partition: partition, value: value)
        }
        ledgerHasOpenEntries = true
    }
}
