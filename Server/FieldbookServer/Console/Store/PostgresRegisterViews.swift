import Fieldbook
import FieldbookCore

/// The merged register on the PostgreSQL store, as plain views for SQL and BI tools.
///
/// The PostgreSQL store keeps one row per cell (`fb_cells`: column ID, row key, tagged
/// value), so a merge writes only what changed and needs no migration when the schema
/// grows. These views pivot the winning cells back into one row per replicated row,
/// with the same table and column names as the SQLite store's materialized tables
/// (`cohorts`, `participants`, `attendance`, …, `deleted` 0/1), so the console's queries,
/// psql, Excel and Metabase read the same register on both stores. Views rather than
/// tables kept by the merge: nothing is added to the merge transaction, and they can
/// never disagree with the cells. See `docs/CONSOLE.md` for their cost.
enum PostgresRegisterViews {
    /// Decoders of the stored value form (a tag byte, then the payload: see `PostgresCoding`).
    static let functions = [
        """
        CREATE OR REPLACE FUNCTION fb_text(v bytea) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE get_byte(v, 0)
                WHEN 3 THEN convert_from(substring(v FROM 2), 'UTF8')
                WHEN 1 THEN (('x' || encode(substring(v FROM 2), 'hex'))::bit(64)::bigint)::text
                WHEN 4 THEN encode(substring(v FROM 2), 'hex')
                WHEN 2 THEN '(real)'
            END $$
        """,
        """
        CREATE OR REPLACE FUNCTION fb_integer(v bytea) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE get_byte(v, 0) WHEN 1 THEN ('x' || encode(substring(v FROM 2), 'hex'))::bit(64)::bigint END $$
        """,
        """
        CREATE OR REPLACE FUNCTION fb_blob(v bytea) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE get_byte(v, 0) WHEN 4 THEN substring(v FROM 2) END $$
        """,
    ]

    /// One view per replicated table of `schema` (the conflict ledger included).
    ///
    /// Each is dropped and created again, because a view's columns can only be appended
    /// to, and a newer schema may add columns before the `deleted` column.
    static func statements(for schema: ReplicatedSchema = NPQSchema.current) -> [String] {
        functions
            + schema.tables.flatMap { table in
                ["DROP VIEW IF EXISTS \(quoted(table.name))", view(table)]
            }
    }

    static func view(_ table: TableSchema) -> String {
        var columns: [String] = []
        for (index, key) in table.keyColumns.enumerated() {
            columns.append("substring(c.key FROM \(index * 16 + 1) FOR 16) AS \(quoted(key))")
        }
        for column in table.columns {
            columns.append("\(decoder(column.kind))(\(winning(column.name))) AS \(quoted(column.name))")
        }
        columns.append("coalesce(fb_integer(\(winning(Change.deletedColumn))), 0) AS \(quoted(Change.deletedColumn))")
        return """
            CREATE VIEW \(quoted(table.name)) AS
            SELECT \(columns.joined(separator: ",\n    "))
            FROM fb_cells c JOIN fb_columns f ON f.id = c.col
            WHERE f.tbl = '\(table.name)'
            GROUP BY c.key
            """
    }

    /// The one value of column `name` in a group of one row's cells.
    static func winning(_ name: String) -> String {
        "(array_agg(c.value) FILTER (WHERE f.col = '\(name)'))[1]"
    }

    static func decoder(_ kind: ColumnSchema.Kind) -> String {
        switch kind {
        case .integer: "fb_integer"
        case .blob: "fb_blob"
        case .text, .real, .any: "fb_text"
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
