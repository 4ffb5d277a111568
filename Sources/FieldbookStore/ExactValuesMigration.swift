import FieldbookCore
import GRDB

/// Rebuilds the materialized tables of a file written before values were kept exactly,
/// so their value columns have no declared type (``StoreMigrations/declaredType(_:)``).
///
/// SQLite cannot change a column's type in place, so each such table is copied into a new
/// one with the same columns, rowids, key and indexes, then swapped in, all inside the
/// migration's transaction. Rowids are kept because the log (`fb_cells.rid`) points at
/// them. Engine columns keep their types: the key columns (BLOB), the tombstone
/// (`deleted`, INTEGER) and the version pointers (`…__v`, INTEGER). Values an older
/// build already converted stay as they were stored; from now on nothing converts.
enum ExactValuesMigration {
    static func run(in db: Database) throws {
        let tables = try String.fetchAll(db, sql: "SELECT DISTINCT tbl FROM fb_columns ORDER BY tbl")
        for table in tables where try db.tableExists(table) {
            try rebuild(table, in: db)
        }
    }

    /// One column as `PRAGMA table_info` describes it.
    struct ColumnInfo {
        var name: String
        var type: String
        var notNull: Bool
        var defaultValue: String?
        var primaryKeyIndex: Int
    }

    static func rebuild(_ table: String, in db: Database) throws {
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.quotedIdentifier))").map { row in
            ColumnInfo(
                name: row["name"], type: row["type"], notNull: row["notnull"] as Int != 0,
                defaultValue: row["dflt_value"], primaryKeyIndex: row["pk"])
        }
        let valueColumns = Set(
            try String.fetchAll(db, sql: "SELECT col FROM fb_columns WHERE tbl = ?", arguments: [table])
        ).subtracting([Change.deletedColumn])
        guard columns.contains(where: { valueColumns.contains($0.name) && !$0.type.isEmpty }) else { return }

        let definitions = columns.map { column in
            guard valueColumns.contains(column.name) else {
                return [
                    column.name.quotedIdentifier, column.type, column.notNull ? "NOT NULL" : "",
                    column.defaultValue.map { "DEFAULT \($0)" } ?? "",
                ].filter { !$0.isEmpty }.joined(separator: " ")
            }
            return column.name.quotedIdentifier
        }
        let key = columns.filter { $0.primaryKeyIndex > 0 }.sorted { $0.primaryKeyIndex < $1.primaryKeyIndex }
        let primaryKey = "PRIMARY KEY (\(key.map(\.name.quotedIdentifier).joined(separator: ", ")))"
        let indexes = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            arguments: [table])
        let rebuilt = "fb_rebuild_" + table
        let names = columns.map(\.name.quotedIdentifier).joined(separator: ", ")
        try db.execute(sql: "DROP TABLE IF EXISTS \(rebuilt.quotedIdentifier)")
        try db.execute(
            sql: "CREATE TABLE \(rebuilt.quotedIdentifier) (\((definitions + [primaryKey]).joined(separator: ", ")))")
        try db.execute(
            sql:
                "INSERT INTO \(rebuilt.quotedIdentifier) (rowid, \(names)) SELECT rowid, \(names) FROM \(table.quotedIdentifier)"
        )
        try db.execute(sql: "DROP TABLE \(table.quotedIdentifier)")
        try db.execute(sql: "ALTER TABLE \(rebuilt.quotedIdentifier) RENAME TO \(table.quotedIdentifier)")
        for index in indexes { try db.execute(sql: index) }
    }
}
