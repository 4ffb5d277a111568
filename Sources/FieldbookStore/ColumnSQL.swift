import FieldbookCore

/// The statements that read and write one replicated column of a materialized table,
/// built once when the store opens so the hot paths never build SQL strings.
struct ColumnSQL: Sendable {
    /// The row, its value and the winning version:
    /// `rowid, c.id, c.hlc, c.prev_hlc, c.prev_origin, value`; binds the key columns.
    let lookup: String
    /// Sets the value and the version pointer of an existing row: binds `value, logID, rowid`.
    let update: String
    /// Creates a row with its key, value and version pointer: binds `keys…, value, logID`.
    let insert: String
    /// A row's key columns and value by rowid.
    let read: String

    init(table: TableSchema, column: ColumnSchema) {
        let name = table.name.quotedIdentifier
        let value = column.name.quotedIdentifier
        let version = StoreMigrations.versionColumn(column.name).quotedIdentifier
        let keys = table.keyColumns.map(\.quotedIdentifier).joined(separator: ", ")
        let condition = table.keyColumns.map { "t.\($0.quotedIdentifier) = ?" }.joined(separator: " AND ")
        lookup = """
            SELECT t.rowid, c.id, c.hlc, c.prev_hlc, c.prev_origin, t.\(value) FROM \(name) AS t
            LEFT JOIN fb_cells AS c ON c.id = t.\(version) WHERE \(condition)
            """
        update = "UPDATE \(name) SET \(value) = ?, \(version) = ? WHERE rowid = ?"
        let marks = Array(repeating: "?", count: table.keyColumns.count + 2).joined(separator: ", ")
        insert = "INSERT INTO \(name) (\(keys), \(value), \(version)) VALUES (\(marks))"
        read = "SELECT \(keys), \(value) FROM \(name) WHERE rowid = ?"
    }
}
