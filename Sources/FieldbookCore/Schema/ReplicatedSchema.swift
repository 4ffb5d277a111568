/// The set of replicated tables and columns a replica knows, with a version.
///
/// The schema is versioned because clients upgrade at different times: a change for a
/// table or column this replica does not know yet (written by a newer client) is kept
/// in the log and forwarded, never dropped, and materialized once this replica learns
/// the column.
public struct ReplicatedSchema: Sendable, Hashable {
    /// Increases whenever tables or columns are added.
    public var version: Int
    /// The tables, in creation order.
    public var tables: [TableSchema]

    /// A schema from its parts. The conflict ledger table is added automatically.
    public init(version: Int, tables: [TableSchema]) {
        self.version = version
        self.tables = tables.contains { $0.name == ConflictEntry.table } ? tables : tables + [Self.ledgerTable]
    }

    /// The table called `name`, if known.
    public func table(_ name: String) -> TableSchema? {
        tables.first { $0.name == name }
    }

    /// The replicated conflict ledger, present in every schema.
    public static let ledgerTable = TableSchema(
        name: ConflictEntry.table,
        keyColumns: ["id"],
        columns: [
            ColumnSchema(ConflictEntry.Column.table, .text),
            ColumnSchema(ConflictEntry.Column.rowKey, .blob),
            ColumnSchema(ConflictEntry.Column.column, .text),
            ColumnSchema(ConflictEntry.Column.value, .any),
            ColumnSchema(ConflictEntry.Column.time, .integer),
            ColumnSchema(ConflictEntry.Column.origin, .blob),
            ColumnSchema(ConflictEntry.Column.resolvedTime, .integer),
            ColumnSchema(ConflictEntry.Column.resolvedBy, .blob),
        ],
        indexes: [[ConflictEntry.Column.table, ConflictEntry.Column.rowKey, ConflictEntry.Column.column]],
        partitionRule: .ledger
    )
}

/// One replicated table: its key, its columns and the indexes readers need.
public struct TableSchema: Sendable, Hashable {
    /// The SQL table name.
    public var name: String
    /// The key columns: one row ID, or two for a pair key.
    public var keyColumns: [String]
    /// The replicated columns, each a last-writer-wins register. The tombstone column
    /// ``Change/deletedColumn`` is implied.
    public var columns: [ColumnSchema]
    /// Secondary indexes (column lists) on the materialized table.
    public var indexes: [[String]]
    /// How a row's partition is derived from the row, checked on every merge; `nil`
    /// trusts the change's label (a table only a newer schema describes, test tables).
    public var partitionRule: PartitionRule?
    /// Columns that hold one value between them (an attendance mark's status and remark):
    /// a local write of any of them writes all of them under one stamp, so concurrent
    /// writes win or lose whole on every replica (PROTOCOL.md, "Column groups").
    public var columnGroups: [[String]]

    /// A table from its parts.
    public init(
        name: String, keyColumns: [String], columns: [ColumnSchema], indexes: [[String]] = [],
        partitionRule: PartitionRule? = nil, columnGroups: [[String]] = []
    ) {
        self.name = name
        self.keyColumns = keyColumns
        self.columns = columns
        self.indexes = indexes
        self.partitionRule = partitionRule
        self.columnGroups = columnGroups
    }

    /// The group `column` belongs to, if any.
    public func group(of column: String) -> [String]? {
        columnGroups.first { $0.contains(column) }
    }

    /// The column called `name`, including the implied tombstone column.
    public func column(_ name: String) -> ColumnSchema? {
        name == Change.deletedColumn ? ColumnSchema(Change.deletedColumn, .integer) : columns.first { $0.name == name }
    }

    /// Every replicated column including the tombstone.
    public var allColumns: [ColumnSchema] { columns + [ColumnSchema(Change.deletedColumn, .integer)] }
}

/// One replicated column.
public struct ColumnSchema: Sendable, Hashable {
    /// The storage class a column holds.
    public enum Kind: String, Sendable, Hashable {
        case text = "TEXT"
        case integer = "INTEGER"
        case real = "REAL"
        case blob = "BLOB"
        case any = "ANY"
    }

    /// The SQL column name.
    public var name: String
    /// What it holds.
    public var kind: Kind

    /// A column from its parts.
    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
