import FieldbookCore
import Foundation
import GRDB

extension ReplicaStore {
    /// The engine format this build writes; a newer file is refused, an older one migrated.
    static let formatVersion = 1

    /// Creates a new replica file with a new random replica ID.
    ///
    /// - Parameters:
    ///   - path: the file to create; refused if it exists. `:memory:` for a throwaway store.
    ///   - name: a human name for the replica (the facilitator or the server).
    ///   - schema: the replicated tables to materialize.
    ///   - genesis: built-in reference changes every replica starts with (see ``ReplicaID/genesis``).
    ///   - replicaID: the identity to use; random when `nil` (tests and simulations pass one).
    /// - Throws: ``FieldbookError`` `.exists` when a file is there already, `.storage`
    ///   when it cannot be written.
    public static func create(
        at path: String, name: String, schema: ReplicatedSchema, genesis: ChangeBatch = ChangeBatch(),
        replicaID: ReplicaID? = nil, options: Options = Options()
    ) throws -> ReplicaStore {
        if path != ":memory:" && FileManager.default.fileExists(atPath: path) {
            throw FieldbookError(.exists, "a replica already exists at \(path); use it, or pass another --db")
        }
        if path != ":memory:" { try PrivateFile.create(at: path) }
        do {
            return try initialize(
                at: path, name: name, schema: schema, genesis: genesis, replicaID: replicaID, options: options)
        } catch {
            // An empty or half-made file would read as "not a replica" and block a retry.
            if path != ":memory:" {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            throw error
        }
    }

    /// Writes a new replica's engine tables, identity and schema into the file at `path`.
    private static func initialize(
        at path: String, name: String, schema: ReplicatedSchema, genesis: ChangeBatch, replicaID: ReplicaID?,
        options: Options
    ) throws -> ReplicaStore {
        var generator = SystemRandomNumberGenerator()
        let replicaID = replicaID ?? ReplicaID.random(using: &generator)
        let database = try connect(path: path, options: options)
        let catalog = try StoreErrors.translate(path: path) {
            try StoreMigrations.migrator.migrate(database)
            return try database.write { db in
                let meta: [(String, DatabaseValueConvertible)] = [
                    ("format", StoreMigrations.format), ("format_version", formatVersion),
                    ("replica", replicaID.rawValue.data), ("name", name), ("schema_version", schema.version),
                    ("created", Int64(options.wallClock.milliseconds())), ("clock", 0),
                ]
                for (key, value) in meta {
                    try db.execute(sql: "INSERT INTO fb_meta (key, value) VALUES (?, ?)", arguments: [key, value])
                }
                try StoreMigrations.materialize(schema, in: db)
                return Catalog(columns: try StoreMigrations.columnCatalog(schema, in: db))
            }
        }
        let store = ReplicaStore(
            replicaID: replicaID, schema: schema, path: path, database: database, options: options, catalog: catalog)
        if !genesis.isEmpty { try store.merge(genesis, from: nil, vetted: true) }
        // The key is made with the file, not at its first sync: a sync that fails before
        // it sends anything (an untrusted certificate, no network) leaves the file as it was.
        _ = try store.signingKey()
        return store
    }

    /// Opens an existing replica file, upgrading its materialized tables when `schema`
    /// is newer than the file's (and materializing changes that were waiting for it).
    ///
    /// - Throws: ``FieldbookError`` `.notFound` when there is no file, `.notAReplica`
    ///   when it is not a Fieldbook replica or was written by a newer build.
    public static func open(at path: String, schema: ReplicatedSchema, options: Options = Options()) throws
        -> ReplicaStore
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FieldbookError(
                .notFound, "no replica at \(path); run `fieldbook init --name NAME` first, or pass --db")
        }
        guard !isDirectory.boolValue else {
            throw FieldbookError(
                .notAReplica, "\(path) is a folder, not a Fieldbook replica; pass the replica file with --db")
        }
        try probeReplica(path: path)
        let database = try connect(path: path, options: options)
        let (replicaID, catalog, upgraded) = try StoreErrors.translate(path: path) {
            try database.read { db in
                let isReplica =
                    try db.tableExists("fb_meta")
                    && (try String.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'format'"))
                        == StoreMigrations.format
                guard isReplica else {
                    throw FieldbookError(.notAReplica, "\(path) is not a Fieldbook replica; check --db")
                }
                let format = try Int.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'format_version'") ?? 0
                guard format <= formatVersion, try !StoreMigrations.migrator.hasBeenSuperseded(db) else {
                    throw FieldbookError(
                        .notAReplica, "\(path) was written by a newer Fieldbook; upgrade fieldbook to open it")
                }
            }
            try StoreMigrations.migrator.migrate(database)
            return try database.write { db -> (ReplicaID, Catalog, Bool) in
                let stored = try Int.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'schema_version'") ?? 0
                guard stored <= schema.version else {
                    throw FieldbookError(
                        .unsupportedVersion,
                        "\(path) holds data schema v\(stored), newer than this Fieldbook's v\(schema.version); upgrade fieldbook"
                    )
                }
                if stored < schema.version {
                    try StoreMigrations.materialize(schema, in: db)
                    try db.execute(
                        sql: "UPDATE fb_meta SET value = ? WHERE key = 'schema_version'", arguments: [schema.version])
                }
                guard let data = try Data.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'replica'"),
                    let raw = Bytes16(data: data)
                else { throw FieldbookError(.corrupt, "\(path) has no replica ID; restore it from a backup") }
                return (
                    ReplicaID(raw), Catalog(columns: try StoreMigrations.columnCatalog(schema, in: db)),
                    stored < schema.version
                )
            }
        }
        let store = ReplicaStore(
            replicaID: replicaID, schema: schema, path: path, database: database, options: options, catalog: catalog)
        if upgraded { try store.materializePending() }
        return store
    }

    /// Refuses a file that is not a Fieldbook replica through a read-only connection,
    /// before ``connect(path:options:)`` switches the file to WAL: that switch is written
    /// to the file, and must never happen to someone else's SQLite database.
    static func probeReplica(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        try StoreErrors.translate(path: path) {
            let probe = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? probe.close() }
            let isReplica = try probe.read { db in
                try db.tableExists("fb_meta")
                    && (try String.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'format'"))
                        == StoreMigrations.format
            }
            guard isReplica else {
                throw FieldbookError(.notAReplica, "\(path) is not a Fieldbook replica; check --db")
            }
        }
    }

    /// Opens a GRDB connection with the replica's settings: WAL, full fsync on commit.
    static func connect(path: String, options: Options) throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = false
        return try StoreErrors.translate(path: path) {
            if path == ":memory:" { return try DatabaseQueue(configuration: configuration) }
            let writer: any DatabaseWriter =
                options.pooled
                ? try DatabasePool(path: path, configuration: configuration)
                : try DatabaseQueue(path: path, configuration: configuration)
            try requireFullSync(writer)
            return writer
        }
    }

    /// Sets `synchronous = FULL` on the writing connection: a commit then survives power
    /// loss too, not only a killed process (a facilitator's battery dying mid-session must
    /// not lose the register). It must come after GRDB has opened the file: its WAL set-up
    /// runs after `prepareDatabase` and sets `NORMAL`, under which a commit is not synced
    /// until the next checkpoint (every replica ran that way until stop 20).
    static func requireFullSync(_ writer: any DatabaseWriter) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// Merges held changes whose table or column this schema now knows.
    func materializePending() throws {
        try withSession { session in
            let rows = try Row.fetchAll(session.db, sql: "SELECT * FROM fb_pending ORDER BY hlc, id")
            for row in rows {
                let change = try session.pendingChange(row, stream: try session.stream(ref: LogID.stream(row["id"])))
                guard session.knows(change.cell) else { continue }
                try session.db.execute(sql: "DELETE FROM fb_pending WHERE id = ?", arguments: [row["id"] as Int64])
                var report = BatchMerger.Report()
                try BatchMerger.merge(change, into: session, report: &report)
            }
        }
    }

    /// The replica's human name.
    public func name() throws -> String {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = 'name'") ?? "" }
    }
}
