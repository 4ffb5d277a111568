import Fieldbook
import FieldbookCore
import Logging
import PostgresNIO

/// The merged register on the PostgreSQL store, as plain tables for the console, SQL and
/// BI tools, kept current in every merge transaction.
///
/// The PostgreSQL store keeps one row per cell (`fb_cells`: column ID, row key, tagged
/// value), so a merge writes only what changed and needs no migration when the schema
/// grows. These tables hold the winning cells pivoted back into one row per replicated
/// row, with the same table and column names as the SQLite store's materialized tables
/// (`cohorts`, `participants`, `attendance`, …, `deleted` 0/1), so the console's queries,
/// psql, Excel and Metabase read the same register on both stores.
///
/// They are kept by two statement-level triggers on `fb_cells` (after `INSERT`, after
/// `UPDATE`), which recompute, from the cells, each row whose cells the statement wrote:
/// whatever writes cells (a merge, an office decision, a release from quarantine) updates
/// them in its own transaction, with no change to the merge's code, and a row can never
/// disagree with its cells. They replace views that pivoted every cell at read time:
/// `SELECT * FROM attendance` took seconds on the P9 register (docs/CONSOLE.md).
///
/// The tables are created (or rebuilt, when the replicated schema changes) from the cells
/// when the console opens, under the store's migration lock, with `fb_cells` locked against
/// writers meanwhile; a database where no console has opened yet has none.
enum PostgresReadTables {
    /// Bumped when the tables' shape or the triggers change, so the next start rebuilds them.
    static let format = 1

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

    /// What the tables are built from: the format and every table's key, columns and kinds.
    static func signature(of schema: ReplicatedSchema) -> String {
        "format \(format); "
            + schema.tables.map { table in
                table.name + "(" + table.keyColumns.joined(separator: ",") + ";"
                    + table.allColumns.map { "\($0.name) \($0.kind.rawValue)" }.joined(separator: ",") + ")"
            }.joined(separator: " ")
    }

    /// Creates or rebuilds the tables and their triggers when their signature changed, or
    /// they or a trigger do not exist; otherwise only refreshes the decoding functions.
    ///
    /// Runs inside the caller's transaction, which holds the migration lock.
    static func install(
        on connection: PostgresConnection, schema: ReplicatedSchema = NPQSchema.current, logger: Logger
    ) async throws {
        func run(_ statement: String) async throws {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).drain()
        }
        for statement in functions {
            try await run(statement)
        }
        try await run(
            """
            CREATE TABLE IF NOT EXISTS fb_read_tables (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                signature text NOT NULL)
            """)
        let signature = signature(of: schema)
        let stored = try await connection.query("SELECT signature FROM fb_read_tables", logger: logger)
            .single(String.self)
        // Both triggers in place too: without them the tables would fall behind unseen.
        let triggers = try await connection.query(
            """
            SELECT count(*)::int8 FROM pg_trigger WHERE tgrelid = 'fb_cells'::regclass
            AND tgname IN ('fb_read_tables_inserted', 'fb_read_tables_updated')
            """, logger: logger
        ).single(Int64.self)
        guard stored != signature || triggers != 2 else { return }
        logger.notice(
            "building the register's read tables from the cells", metadata: ["tables": "\(schema.tables.count)"])
        for statement in rebuild(schema, signature: signature) {
            try await run(statement)
        }
    }

    /// Every statement of a rebuild, in order.
    static func rebuild(_ schema: ReplicatedSchema, signature: String) -> [String] {
        // Writers of cells wait until the tables are built and the triggers are in place,
        // so no write falls between the copy and the first trigger.
        var statements = [
            "LOCK TABLE fb_cells IN SHARE ROW EXCLUSIVE MODE",
            "DROP TRIGGER IF EXISTS fb_read_tables_inserted ON fb_cells",
            "DROP TRIGGER IF EXISTS fb_read_tables_updated ON fb_cells",
        ]
        for table in schema.tables {
            let name = quoted(table.name)
            // The previous build's view of the same name (a table after a schema change).
            statements.append(
                """
                DO $$ BEGIN
                    IF EXISTS (SELECT 1 FROM pg_views WHERE viewname = '\(table.name)' AND schemaname = current_schema())
                    THEN DROP VIEW \(name); END IF;
                END $$
                """)
            statements.append("DROP TABLE IF EXISTS \(name)")
            statements.append(create(table))
            for (index, columns) in indexes(table).enumerated() {
                statements.append(
                    "CREATE INDEX \(quoted("\(table.name)_\(index)")) ON \(name) (\(columns.map(quoted).joined(separator: ", ")))"
                )
            }
            statements.append(
                """
                INSERT INTO \(name) (\(names(table)))
                SELECT \(pivotedColumns(table, key: "c.key", value: { "(array_agg(c.value) FILTER (WHERE f.col = '\($0)'))[1]" }))
                FROM fb_cells c JOIN fb_columns f ON f.id = c.col
                WHERE f.tbl = '\(table.name)'
                GROUP BY c.key
                """)
            statements.append("ANALYZE \(name)")
        }
        statements.append(triggerFunction(schema))
        for (event, name) in [("INSERT", "fb_read_tables_inserted"), ("UPDATE", "fb_read_tables_updated")] {
            statements.append(
                """
                CREATE TRIGGER \(name) AFTER \(event) ON fb_cells
                REFERENCING NEW TABLE AS fb_written FOR EACH STATEMENT EXECUTE FUNCTION fb_read_tables_sync()
                """)
        }
        statements.append(
            """
            INSERT INTO fb_read_tables (signature) VALUES ('\(signature.replacingOccurrences(of: "'", with: "''"))')
            ON CONFLICT (singleton) DO UPDATE SET signature = excluded.signature
            """)
        return statements
    }

    /// `CREATE TABLE` with the key columns as primary key; the same columns, in the same
    /// order and of the same types, as the views that came before.
    static func create(_ table: TableSchema) -> String {
        var columns = table.keyColumns.map { "\(quoted($0)) bytea NOT NULL" }
        for column in table.columns {
            columns.append("\(quoted(column.name)) \(sqlType(column.kind))")
        }
        columns.append("\(quoted(Change.deletedColumn)) bigint NOT NULL DEFAULT 0")
        columns.append("PRIMARY KEY (\(table.keyColumns.map(quoted).joined(separator: ", ")))")
        return "CREATE TABLE \(quoted(table.name)) (\n    " + columns.joined(separator: ",\n    ") + ")"
    }

    /// The schema's secondary indexes, and, for a pair key, its second column (attendance
    /// by participant: a participant's history, BI joins on `participant_id`).
    static func indexes(_ table: TableSchema) -> [[String]] {
        table.indexes + (table.keyColumns.count > 1 ? [[table.keyColumns[1]]] : [])
    }

    /// The trigger function: for each table among the cells a statement wrote, recompute
    /// those rows from their cells (one index probe per column of each row, by the cells'
    /// primary key) and upsert them.
    static func triggerFunction(_ schema: ReplicatedSchema) -> String {
        // (Variables prefixed, so that no name clashes with a column in the queries.)
        var body: [String] = [
            "SELECT array_agg(DISTINCT col) INTO v_written FROM fb_written;",
            "IF v_written IS NULL THEN RETURN NULL; END IF;",
        ]
        for table in schema.tables {
            let columns = table.allColumns.map(\.name)
            let ids =
                "ARRAY(SELECT coalesce(f.id, -1) FROM unnest(ARRAY[\(columns.map { "'\($0)'" }.joined(separator: ", "))]) "
                + "WITH ORDINALITY AS o(name, n) LEFT JOIN fb_columns f ON f.tbl = '\(table.name)' AND f.col = o.name ORDER BY o.n)"
            let assignments = (table.columns.map(\.name) + [Change.deletedColumn])
                .map { "\(quoted($0)) = excluded.\(quoted($0))" }.joined(separator: ", ")
            var index = 0
            let pivot = pivotedColumns(table, key: "k.key") { _ in
                index += 1
                return "r.v\(index)"
            }
            let values = columns.indices.map {
                "(array_agg(c.value) FILTER (WHERE c.col = v_cols[\($0 + 1)]))[1] AS v\($0 + 1)"
            }
            body.append(
                """
                v_cols := \(ids);
                IF v_cols && v_written THEN
                    INSERT INTO \(quoted(table.name)) (\(names(table)))
                    SELECT \(pivot)
                    FROM (SELECT DISTINCT w.key FROM fb_written w WHERE w.col = ANY(v_cols)) k
                    CROSS JOIN LATERAL (
                        SELECT \(values.joined(separator: ", "))
                        FROM fb_cells c WHERE c.col = ANY(v_cols) AND c.key = k.key) r
                    ON CONFLICT (\(table.keyColumns.map(quoted).joined(separator: ", "))) DO UPDATE SET \(assignments);
                END IF;
                """)
        }
        return """
            CREATE OR REPLACE FUNCTION fb_read_tables_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                v_written int4[];
                v_cols int4[];
            BEGIN
            \(body.joined(separator: "\n"))
            RETURN NULL;
            END $$
            """
    }

    /// The column list of an insert: keys, columns, `deleted`.
    static func names(_ table: TableSchema) -> String {
        (table.keyColumns + table.columns.map(\.name) + [Change.deletedColumn]).map(quoted).joined(separator: ", ")
    }

    /// The select list matching ``names(_:)``: the key split into its parts, each column's
    /// winning value (`value(column)`, in `allColumns` order) decoded by its kind.
    static func pivotedColumns(_ table: TableSchema, key: String, value: (String) -> String) -> String {
        var columns: [String] = []
        for (index, _) in table.keyColumns.enumerated() {
            columns.append("substring(\(key) FROM \(index * 16 + 1) FOR 16)")
        }
        for column in table.columns {
            columns.append("\(decoder(column.kind))(\(value(column.name)))")
        }
        columns.append("coalesce(fb_integer(\(value(Change.deletedColumn))), 0)")
        return columns.joined(separator: ", ")
    }

    static func decoder(_ kind: ColumnSchema.Kind) -> String {
        switch kind {
        case .integer: "fb_integer"
        case .blob: "fb_blob"
        case .text, .real, .any: "fb_text"
        }
    }

    static func sqlType(_ kind: ColumnSchema.Kind) -> String {
        switch kind {
        case .integer: "bigint"
        case .blob: "bytea"
        case .text, .real, .any: "text"
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
