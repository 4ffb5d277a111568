import FieldbookCore
import Logging
import PostgresNIO

/// The PostgreSQL store's own tables, created and upgraded by version on start.
///
/// The log is schema-agnostic: a cell is `(column ID, row key)`, whatever table it
/// belongs to, so changes from newer clients merge like any other and the database
/// needs no migration when the replicated schema grows. Every server process on the
/// database runs the migrations under one advisory lock; a database whose version is
/// newer than this build is refused before anything is touched.
enum PostgresMigrations {
    /// Advisory lock class of the migration lock (`FBKM`).
    static let migrationLock: Int32 = 0x4642_4B4D
    /// Advisory lock class of the per-partition merge locks (`FBKP`).
    static let partitionLock: Int32 = 0x4642_4B50

    /// The migrations, oldest first; each is a list of statements run in one transaction.
    /// Never edit a shipped migration: append a new one.
    static let migrations: [[String]] = [version1, version2, version3]

    /// The version this build writes.
    static var latest: Int { migrations.count }

    static let version1 = [
        """
        CREATE TABLE fb_schema (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            version integer NOT NULL)
        """,
        // The server's replica: one per database, whichever process serves. clock: the
        // highest hybrid time a ledger write was stamped with (taken under a row lock, so
        // two processes never stamp two writes alike).
        """
        CREATE TABLE fb_replica (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            replica bytea NOT NULL CHECK (length(replica) = 16),
            clock bigint NOT NULL DEFAULT 0,
            created bigint NOT NULL)
        """,
        // clock: the highest hybrid time merged into the partition (its merges hold the
        // partition's lock, so this row never sees two writers at once).
        "CREATE TABLE fb_partitions (partition bytea PRIMARY KEY, clock bigint NOT NULL DEFAULT 0)",
        // One row per (partition, origin) log stream; held is the version vector entry.
        """
        CREATE TABLE fb_streams (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            partition bytea NOT NULL,
            origin bytea NOT NULL,
            held bigint NOT NULL DEFAULT 0,
            UNIQUE (partition, origin))
        """,
        """
        CREATE TABLE fb_columns (
            id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tbl text NOT NULL,
            col text NOT NULL,
            UNIQUE (tbl, col))
        """,
        // The winning version of every cell, with the log position of the change that wrote it.
        """
        CREATE TABLE fb_cells (
            col integer NOT NULL,
            key bytea NOT NULL,
            stream bigint NOT NULL,
            seq bigint NOT NULL,
            hlc bigint NOT NULL,
            prev_hlc bigint,
            prev_origin bytea,
            value bytea NOT NULL,
            PRIMARY KEY (col, key))
        """,
        "CREATE UNIQUE INDEX fb_cells_log ON fb_cells (stream, seq)",
        // Superseded changes, kept so peers receive whole histories.
        """
        CREATE TABLE fb_history (
            stream bigint NOT NULL,
            seq bigint NOT NULL,
            col integer NOT NULL,
            key bytea NOT NULL,
            hlc bigint NOT NULL,
            prev_hlc bigint,
            prev_origin bytea,
            value bytea NOT NULL,
            superseded bigint NOT NULL,
            PRIMARY KEY (stream, seq))
        """,
        // Changes held back because their clock was too far ahead.
        """
        CREATE TABLE fb_quarantine (
            stream bigint NOT NULL,
            seq bigint NOT NULL,
            col integer NOT NULL,
            key bytea NOT NULL,
            hlc bigint NOT NULL,
            prev_hlc bigint,
            prev_origin bytea,
            value bytea NOT NULL,
            reason text NOT NULL,
            received bigint NOT NULL,
            PRIMARY KEY (stream, seq))
        """,
        """
        CREATE TABLE fb_tokens (
            id text PRIMARY KEY,
            name text NOT NULL,
            secret_hash bytea NOT NULL,
            scope text NOT NULL,
            issued bigint NOT NULL,
            revoked bigint)
        """,
        "CREATE UNIQUE INDEX fb_tokens_live_name ON fb_tokens (name) WHERE revoked IS NULL",
    ]

    /// Tokens are bound to the replica that first synced with them.
    static let version2 = ["ALTER TABLE fb_tokens ADD COLUMN replica bytea CHECK (length(replica) = 16)"]

    /// Each token's replica's public key, bound at its first signed round.
    static let version3 = ["ALTER TABLE fb_tokens ADD COLUMN public_key bytea CHECK (length(public_key) = 32)"]

    /// Brings the database to ``latest`` and returns the server's replica ID, creating it
    /// (as `replica`) on the first start.
    ///
    /// - Throws: `.notAReplica` when the database was written by a newer build.
    static func migrate(
        _ connection: PostgresConnection, replica: ReplicaID, now: UInt64, logger: Logger
    ) async throws -> ReplicaID {
        try await connection.inTransaction("BEGIN", logger: logger) {
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(migrationLock), 0)", logger: logger
            ).drain()
            var version = 0
            let exists = try await connection.query("SELECT to_regclass('fb_schema') IS NOT NULL", logger: logger)
                .single(Bool.self)
            if exists == true {
                version =
                    try await connection.query("SELECT version FROM fb_schema", logger: logger)
                    .single(Int.self) ?? 0
            }
            guard version <= latest else {
                throw FieldbookError(
                    .notAReplica,
                    "the PostgreSQL database holds Fieldbook store schema v\(version), newer than this fieldbook-server's v\(latest); upgrade fieldbook-server"
                )
            }
            for index in version..<latest {
                logger.notice("migrating the PostgreSQL store", metadata: ["to": "v\(index + 1)"])
                for statement in migrations[index] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).drain()
                }
            }
            if version < latest {
                try await connection.query(
                    """
                    INSERT INTO fb_schema (version) VALUES (\(latest))
                    ON CONFLICT (singleton) DO UPDATE SET version = excluded.version
                    """, logger: logger
                ).drain()
            }
            try await connection.query(
                """
                INSERT INTO fb_replica (replica, created) VALUES (\(PostgresCoding.bytes(replica.rawValue)), \(Int64(now)))
                ON CONFLICT (singleton) DO NOTHING
                """, logger: logger
            ).drain()
            guard
                let stored = try await connection.query("SELECT replica FROM fb_replica", logger: logger)
                    .single(ByteBuffer.self)
            else {
                throw FieldbookError(.corrupt, "the PostgreSQL store has no replica ID; restore it from a backup")
            }
            return ReplicaID(try PostgresCoding.bytes16(stored))
        }
    }
}
