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
        guard cell.key.count == entry.table.keyColumns.count else {
            throw FieldbookError(
                .corrupt,
                "row key of \(entry.table.name) has \(cell.key.count) parts, expected \(entry.table.keyColumns.count)")
        }
        var statement = RawStatement(try statements(entry).lookup)
        statement.bind(cell.key)
        var result = CellLookup(cell: cell)
        defer { statement.reset() }
        if try statement.step() {
            result.rowID = statement.int64(0)
            if let logID = statement.optionalInt64(1) {
                result.logID = logID
                result.version = CellVersion(
                    stamp: Stamp(
                        time: HLC(databaseInteger: statement.int64(2)),
                        origin: try stream(ref: LogID.stream(logID)).origin),
                    previous: try previousStamp(time: statement.optionalInt64(3), origin: statement.optionalInt64(4)),
                    value: statement.value(5))
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
            var update = RawStatement(try statements(entry).update)
            update.bind(change.value)
            update.bind(newID)
            update.bind(rowID)
            try update.run()
        } else {
            var insert = RawStatement(try statements(entry).insert)
            insert.bind(change.key)
            insert.bind(change.value)
            insert.bind(newID)
            try insert.run()
            found.rowID = db.lastInsertedRowID
        }
        let previous = try previousColumns(change.previous)
        if let oldID = found.logID, let displaced {
            try insertHistory(id: oldID, column: entry.id, rowID: found.rowID!, version: displaced)
            var update = RawStatement(
                try fixedStatement("UPDATE fb_cells SET id = ?, hlc = ?, prev_hlc = ?, prev_origin = ? WHERE id = ?"))
            update.bind(newID)
            update.bind(change.stamp.time.databaseInteger)
            update.bind(previous.time)
            update.bind(previous.origin)
            update.bind(oldID)
            try update.run()
        } else {
            try insertCell(logID: newID, column: entry.id, rowID: found.rowID!, change: change)
        }
        found.logID = newID
        found.version = change.version
        lastLookup = found
    }

    /// The log entry of a cell that had no version before.
    func insertCell(logID: Int64, column: Int64, rowID: Int64, change: Change) throws {
        let previous = try previousColumns(change.previous)
        var insert = RawStatement(
            try fixedStatement(
                "INSERT INTO fb_cells (id, col, rid, hlc, prev_hlc, prev_origin) VALUES (?, ?, ?, ?, ?, ?)"))
        insert.bind(logID)
        insert.bind(column)
        insert.bind(rowID)
        insert.bind(change.stamp.time.databaseInteger)
        insert.bind(previous.time)
        insert.bind(previous.origin)
        try insert.run()
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
        var insert = RawStatement(
            try fixedStatement(
                """
                INSERT OR IGNORE INTO fb_history (id, col, rid, hlc, prev_hlc, prev_origin, value, superseded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """))
        insert.bind(id)
        insert.bind(column)
        insert.bind(rowID)
        insert.bind(version.stamp.time.databaseInteger)
        insert.bind(previous.time)
        insert.bind(previous.origin)
        insert.bind(version.value)
        insert.bind(Int64(now))
        try insert.run()
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
