import FieldbookCore
import GRDB

extension ReplicaStore {
    /// The winning version of a cell, if any.
    public func version(of cell: CellAddress) throws -> CellVersion? {
        try withReadSession { session in
            session.knows(cell) ? try session.currentVersion(of: cell) : nil
        }
    }

    /// The value the write stamped `stamp` gave `cell`, while this replica still holds that
    /// version (a superseded one stays in the log until compaction); `nil` otherwise.
    ///
    /// A column group's columns are written under one stamp, so this finds the rest of a
    /// losing mark from its ledger entry (which is filed under the group's first column).
    public func value(of cell: CellAddress, writtenAt stamp: Stamp) throws -> Value? {
        try withReadSession { session in
            guard session.knows(cell) else { return nil }
            let found = try session.lookup(cell)
            if let version = found.version, version.stamp == stamp { return version.value }
            guard let rowID = found.rowID else { return nil }
            let column = try session.entry(cell).id
            for row in try Row.fetchAll(
                session.db, sql: "SELECT id, value FROM fb_history WHERE rid = ? AND col = ? AND hlc = ?",
                arguments: [rowID, column, stamp.time.databaseInteger])
            where try session.stream(ref: LogID.stream(row["id"])).origin == stamp.origin {
                return Value(row["value"] as DatabaseValue)
            }
            return nil
        }
    }

    /// The partition a row belongs to, read from the stream of any of its cells.
    public func partition(of key: RowKey, in table: String) throws -> PartitionID? {
        try withReadSession { session in
            guard let tableSchema = schema.table(table) else { return nil }
            for column in tableSchema.allColumns {
                let cell = CellAddress(table: table, key: key, column: column.name)
                guard session.knows(cell), let logID = try session.lookup(cell).logID else { continue }
                return try session.stream(ref: LogID.stream(logID)).partition
            }
            return nil
        }
    }
}
