import FieldbookCore
import GRDB

extension ReplicaStore {
    /// The winning version of a cell, if any.
    public func version(of cell: CellAddress) throws -> CellVersion? {
        try withReadSession { session in
            session.knows(cell) ? try session.currentVersion(of: cell) : nil
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
