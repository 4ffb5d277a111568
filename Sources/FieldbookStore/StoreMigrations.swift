import FieldbookCore
import GRDB

/// The replica file's layout: the engine's own tables (migrated by version) and the
/// materialized tables of the replicated schema (created and extended from it).
enum StoreMigrations {
    /// Marks a SQLite file as a Fieldbook replica.
    static let format = "fieldbook-replica"

    /// The engine migrations, in order. Never edit a shipped migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-engine") { db in
            try db.execute(
                sql: """
                    CREATE TABLE fb_meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;
                    CREATE TABLE fb_replicas (id INTEGER PRIMARY KEY, replica BLOB NOT NULL UNIQUE);
                    CREATE TABLE fb_partitions (id INTEGER PRIMARY KEY, partition BLOB NOT NULL UNIQUE);
                    -- One row per (partition, origin) log stream. held: the version vector
                    -- entry. exported: highest sequence of our own stream written to a bundle.
                    -- clock: on our own streams, the hybrid clock as of the last write.
                    CREATE TABLE fb_streams (
                        id INTEGER PRIMARY KEY,
                        partition INTEGER NOT NULL,
                        origin INTEGER NOT NULL,
                        held INTEGER NOT NULL DEFAULT 0,
                        exported INTEGER NOT NULL DEFAULT 0,
                        clock INTEGER NOT NULL DEFAULT 0,
                        UNIQUE (partition, origin));
                    CREATE INDEX fb_streams_by_origin ON fb_streams (origin);
                    CREATE TABLE fb_columns (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, col TEXT NOT NULL, UNIQUE (tbl, col));
                    -- The winning version of every cell. id packs (stream, sequence) of the
                    -- change that wrote it; the value itself lives in the materialized row,
                    -- whose column <name>__v points back here (so no second index is needed).
                    CREATE TABLE fb_cells (
                        id INTEGER PRIMARY KEY,
                        col INTEGER NOT NULL,
                        rid INTEGER NOT NULL,
                        hlc INTEGER NOT NULL,
                        prev_hlc INTEGER,
                        prev_origin INTEGER);
                    -- Superseded changes, kept (with their value) so peers receive whole
                    -- histories until compaction removes them.
                    CREATE TABLE fb_history (
                        id INTEGER PRIMARY KEY,
                        col INTEGER NOT NULL,
                        rid INTEGER NOT NULL,
                        hlc INTEGER NOT NULL,
                        prev_hlc INTEGER,
                        prev_origin INTEGER,
                        value,
                        superseded INTEGER NOT NULL);
                    -- Changes for tables or columns this schema does not know yet.
                    CREATE TABLE fb_pending (
                        id INTEGER PRIMARY KEY,
                        tbl TEXT NOT NULL,
                        col TEXT NOT NULL,
                        row_key BLOB NOT NULL,
                        hlc INTEGER NOT NULL,
                        prev_hlc INTEGER,
                        prev_origin INTEGER,
                        value);
                    -- What each sync peer held when we last heard from it (local bookkeeping).
                    CREATE TABLE fb_peers (
                        peer TEXT NOT NULL,
                        partition BLOB NOT NULL,
                        origin BLOB NOT NULL,
                        held INTEGER NOT NULL,
                        PRIMARY KEY (peer, partition, origin)) WITHOUT ROWID;
                    -- Changes held back because their clock was too far ahead.
                    CREATE TABLE fb_quarantine (
                        id INTEGER PRIMARY KEY,
                        tbl TEXT NOT NULL,
                        col TEXT NOT NULL,
                        row_key BLOB NOT NULL,
                        hlc INTEGER NOT NULL,
                        prev_hlc INTEGER,
                        prev_origin INTEGER,
                        value,
                        reason TEXT NOT NULL,
                        received INTEGER NOT NULL);
                    """)
        }
        // Files from before values were kept exactly: their materialized value columns
        // had declared types, whose affinity converted values (see `declaredType`).
        migrator.registerMigration("v2-exact-values") { db in try ExactValuesMigration.run(in: db) }
        // Signed origins (`Sources/FieldbookCore/Signing`). chain_base: where the stream's
        // hash chain starts; chain_head: the head after `held` for a received stream when
        // it was proven (NULL: merged before chains were checked, or taken on trust).
        // A file from before keeps its history unsigned: its own streams' chains start at
        // what it had written.
        migrator.registerMigration("v3-signed-chains") { db in
            try db.execute(
                sql: """
                    ALTER TABLE fb_streams ADD COLUMN chain_base INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE fb_streams ADD COLUMN chain_head BLOB;
                    UPDATE fb_streams SET chain_base = held WHERE origin IN (
                        SELECT r.id FROM fb_replicas r JOIN fb_meta m ON m.key = 'replica' AND m.value = r.replica);
                    -- Origins' signed chain heads: our own, and those received to relay.
                    CREATE TABLE fb_certificates (
                        stream INTEGER NOT NULL,
                        through INTEGER NOT NULL,
                        base INTEGER NOT NULL,
                        head BLOB NOT NULL,
                        signature BLOB NOT NULL,
                        PRIMARY KEY (stream, through)) WITHOUT ROWID;
                    -- Digests of changes not held in the log (compacted, or past what a
                    -- proof's certificate covered), to prove ranges when relaying.
                    CREATE TABLE fb_digests (
                        stream INTEGER NOT NULL,
                        sequence INTEGER NOT NULL,
                        digest BLOB NOT NULL,
                        PRIMARY KEY (stream, sequence)) WITHOUT ROWID;
                    -- Public keys of origins, pinned at first sight.
                    CREATE TABLE fb_keys (origin INTEGER PRIMARY KEY, public_key BLOB NOT NULL);
                    """)
        }
        // The stamp of a compacted change beside its digest: a re-stamp of a later own
        // write must still sort after an own compacted value that others received with
        // its stamp (simulation seed 368). NULL for digests kept before, and for changes
        // only seen as digests.
        migrator.registerMigration("v4-compacted-stamps") { db in
            try db.execute(sql: "ALTER TABLE fb_digests ADD COLUMN hlc INTEGER")
        }
        // unconfirmed: on our own streams, the first re-stamped sequence the server has not
        // confirmed yet (0: none); the server's versions of those are compared and adopted
        // (`StoreSession.confirmRestamps`), so an office release racing a re-stamp ends with
        // one version everywhere.
        migrator.registerMigration("v5-unconfirmed-restamps") { db in
            try db.execute(sql: "ALTER TABLE fb_streams ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }

    /// Creates or extends the materialized tables for `schema` and registers its columns.
    ///
    /// Tables and columns are only ever added, so an upgrade is a few `ALTER TABLE ADD
    /// COLUMN`s; rows written before simply hold NULL until a change arrives.
    static func materialize(_ schema: ReplicatedSchema, in db: Database) throws {
        for table in schema.tables {
            let name = table.name.quotedIdentifier
            if try !db.tableExists(table.name) {
                let keys = table.keyColumns.map { "\($0.quotedIdentifier) BLOB NOT NULL" }
                let columns = table.columns.map { "\($0.name.quotedIdentifier) \(declaredType($0.kind))" }
                let deleted = "\(Change.deletedColumn.quotedIdentifier) INTEGER NOT NULL DEFAULT 0"
                let versions = table.allColumns.map { "\(versionColumn($0.name).quotedIdentifier) INTEGER" }
                let primaryKey = "PRIMARY KEY (\(table.keyColumns.map(\.quotedIdentifier).joined(separator: ", ")))"
                try db.execute(
                    sql:
                        "CREATE TABLE \(name) (\((keys + columns + [deleted] + versions + [primaryKey]).joined(separator: ", ")))"
                )
            } else {
                let existing = Set(try db.columns(in: table.name).map(\.name))
                for column in table.columns where !existing.contains(column.name) {
                    let declaration = "\(column.name.quotedIdentifier) \(declaredType(column.kind))"
                    try db.execute(sql: "ALTER TABLE \(name) ADD COLUMN \(declaration)")
                }
                for column in table.allColumns where !existing.contains(versionColumn(column.name)) {
                    try db.execute(
                        sql: "ALTER TABLE \(name) ADD COLUMN \(versionColumn(column.name).quotedIdentifier) INTEGER")
                }
            }
            for index in table.indexes {
                let indexName = ("ix_" + table.name + "_" + index.joined(separator: "_")).quotedIdentifier
                try db.execute(
                    sql:
                        "CREATE INDEX IF NOT EXISTS \(indexName) ON \(name) (\(index.map(\.quotedIdentifier).joined(separator: ", ")))"
                )
            }
            for column in table.allColumns {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO fb_columns (tbl, col) VALUES (?, ?)",
                    arguments: [table.name, column.name])
            }
        }
    }

    /// The engine's bookkeeping column beside a replicated column: the `fb_cells` row ID
    /// of the change that wrote the current value. Readers can ignore every `…__v` column.
    static func versionColumn(_ column: String) -> String {
        column + "__v"
    }

    /// The SQL type a materialized value column is declared with: none, whatever its kind.
    ///
    /// SQLite gives a declared type an affinity that converts what is stored: a TEXT
    /// column turns the integer 815 into the text `815`, an INTEGER or NUMERIC one (and
    /// `ANY` outside STRICT tables is NUMERIC) turns the text `0815` into the integer 815
    /// and `1e3` into the real 1000.0. A column with no declared type keeps every value
    /// exactly as written, so a change reads back bit for bit, as on PostgreSQL, and every
    /// replica relays the same value it received. The kinds of ``ColumnSchema`` remain
    /// the domain's contract (docs/CONSOLE.md lists them for readers of the tables).
    static func declaredType(_ kind: ColumnSchema.Kind) -> String {
        ""
    }

    /// The column catalog of `schema` as registered in the file.
    static func columnCatalog(_ schema: ReplicatedSchema, in db: Database) throws -> ColumnCatalog {
        var catalog = ColumnCatalog()
        for row in try Row.fetchAll(db, sql: "SELECT id, tbl, col FROM fb_columns") {
            let tableName: String = row["tbl"]
            let columnName: String = row["col"]
            guard let table = schema.table(tableName), let column = table.column(columnName) else { continue }
            catalog.add(.init(id: row["id"], table: table, column: column))
        }
        return catalog
    }
}
