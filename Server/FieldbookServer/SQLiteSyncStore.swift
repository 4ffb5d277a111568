import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import Foundation
import GRDB

/// The embedded store: the server's replica is one SQLite file (WAL, a connection pool
/// so rounds read concurrently while one merges), created on first start.
public final class SQLiteSyncStore: SyncStore {
    /// The replica underneath, for the office's read commands.
    public let store: ReplicaStore

    public var replicaID: ReplicaID { store.replicaID }

    /// Opens the server replica at `path`, creating it (named `server`) when absent.
    public init(path: String, options: ReplicaStore.Options = .init(pooled: true)) throws {
        var options = options
        options.pooled = true
        if FileManager.default.fileExists(atPath: path) {
            store = try ReplicaStore.open(at: path, schema: NPQSchema.current, options: options)
        } else {
            store = try ReplicaStore.create(
                at: path, name: "server", schema: NPQSchema.current, genesis: Programme.genesis, options: options)
        }
        try store.database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS fb_tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        secret_hash BLOB NOT NULL,
                        scope TEXT NOT NULL,
                        issued INTEGER NOT NULL,
                        revoked INTEGER,
                        replica BLOB,
                        public_key BLOB);
                    CREATE UNIQUE INDEX IF NOT EXISTS fb_tokens_live_name ON fb_tokens (name) WHERE revoked IS NULL;
                    """)
            // Files written before tokens were bound to replicas.
            let columns = try db.columns(in: "fb_tokens").map(\.name)
            if !columns.contains("replica") {
                try db.execute(sql: "ALTER TABLE fb_tokens ADD COLUMN replica BLOB")
            }
            // Files written before replicas signed their changes.
            if !columns.contains("public_key") {
                try db.execute(sql: "ALTER TABLE fb_tokens ADD COLUMN public_key BLOB")
            }
        }
    }

    public func merge(_ batch: ChangeBatch, from sender: ReplicaID, rights: WriterRights) async throws
        -> BatchMerger.Report
    {
        // Every proven range is checked against its origin's chain, and the certificates
        // and digests kept to prove it onward; unproven history is taken from any token
        // the rights allow (the origin itself, or the office's relays), as before signing.
        // An office token (no origin restriction) may also relay another replica's stream
        // unproven past a known head: laptops do not pass certificates on yet. A laptop's
        // own pushes are proven whenever its token is bound to a key
        // (`SyncService.checkSignatures`).
        let relays = rights.origin == nil
        let chains = BatchMerger.ChainCheck(
            trustsUnproven: { _ in true }, relaysUnsigned: { relays && $0.origin != sender })
        return try await offload { [store] in
            try store.merge(batch, from: sender, checksEveryOrigin: true, rights: rights, chains: chains)
        }
    }

    public func knowledge() async throws -> Knowledge {
        try await offload { [store] in try store.knowledge() }
    }

    public func nextFrame(of assembler: FrameAssembler, byteBudget: Int) async throws
        -> (FrameAssembler, BatchAssembler.Assembly)
    {
        try await offload { [store] in
            var assembler = assembler
            let assembly = try store.nextFrame(&assembler, byteBudget: byteBudget)
            return (assembler, assembly)
        }
    }

    public func quarantinedStarts(origin: ReplicaID) async throws -> [StreamStart] {
        try await offload { [store] in
            let starts = try store.quarantineStarts(origin: origin)
            return starts.sorted { $0.key < $1.key }.map { StreamStart(stream: $0.key, sequence: $0.value) }
        }
    }

    public func quarantined() async throws -> [QuarantineEntry] {
        try await offload { [store] in
            try store.quarantined().map {
                QuarantineEntry(change: $0.change, reason: $0.reason, receivedAt: $0.receivedAt)
            }
        }
    }

    public func releaseQuarantine(origin: ReplicaID?) async throws -> BatchMerger.Report {
        try await offload { [store] in try store.releaseQuarantine(origin: origin) }
    }

    public func compact(supersededBefore cutoff: UInt64) async throws -> Int {
        try await offload { [store] in try store.compact(supersededBefore: cutoff) }
    }

    public func token(id: String) async throws -> StoredToken? {
        try await offload { [store] in
            try store.database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM fb_tokens WHERE id = ?", arguments: [id]).map {
                    try Self.token($0)
                }
            }
        }
    }

    public func insertToken(_ token: StoredToken) async throws {
        try await offload { [store] in
            try store.database.write { db in
                let taken = try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM fb_tokens WHERE name = ? AND revoked IS NULL", arguments: [token.name])
                guard taken != true else {
                    throw FieldbookError(
                        .exists, "a live token named '\(token.name)' exists; revoke it first or pick another name")
                }
                try db.execute(
                    sql: "INSERT INTO fb_tokens (id, name, secret_hash, scope, issued) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        token.id, token.name, Data(token.secretHash), token.scope.storedForm, Int64(token.issuedAt),
                    ])
            }
        }
    }

    public func tokens() async throws -> [StoredToken] {
        try await offload { [store] in
            try store.database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM fb_tokens ORDER BY name, issued").map { try Self.token($0) }
            }
        }
    }

    public func revokeToken(name: String, at time: UInt64) async throws -> Bool {
        try await offload { [store] in
            try store.database.write { db in
                try db.execute(
                    sql: "UPDATE fb_tokens SET revoked = ? WHERE name = ? AND revoked IS NULL",
                    arguments: [Int64(time), name])
                return db.changesCount > 0
            }
        }
    }

    public func bindToken(id: String, to replica: ReplicaID, key: OriginPublicKey?) async throws -> TokenBinding {
        try await offload { [store] in
            let binding = try store.database.write { db in
                try db.execute(
                    sql: "UPDATE fb_tokens SET replica = ? WHERE id = ? AND replica IS NULL",
                    arguments: [replica.rawValue.data, id])
                if let key {
                    try db.execute(
                        sql: "UPDATE fb_tokens SET public_key = ? WHERE id = ? AND replica = ? AND public_key IS NULL",
                        arguments: [Data(key.rawRepresentation), id, replica.rawValue.data])
                }
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT replica, public_key FROM fb_tokens WHERE id = ?", arguments: [id]),
                    let bound = (row["replica"] as Data?).flatMap(Bytes16.init(data:))
                else {
                    throw FieldbookError(.badToken, "the device token is not valid; ask the office for a new one")
                }
                return TokenBinding(replica: ReplicaID(bound), key: try Self.key(row["public_key"]))
            }
            // The merge checks the replica's certificates against the key it pinned.
            if let key = binding.key, binding.replica == replica { try store.pin(key, for: replica) }
            return binding
        }
    }

    public func unbindToken(name: String) async throws -> Bool {
        try await offload { [store] in
            try store.database.write { db in
                try db.execute(
                    sql: "UPDATE fb_tokens SET replica = NULL, public_key = NULL WHERE name = ? AND revoked IS NULL",
                    arguments: [name])
                return db.changesCount > 0
            }
        }
    }

    /// The keys this replica pinned: every origin whose token bound a key here, and those
    /// whose signed changes reached it relayed.
    public func originKeys(of origins: Set<ReplicaID>) async throws -> [ReplicaID: OriginPublicKey] {
        try await offload { [store] in try store.pinnedKeys(of: origins) }
    }

    static func token(_ row: Row) throws -> StoredToken {
        StoredToken(
            id: row["id"], name: row["name"], secretHash: [UInt8](row["secret_hash"] as Data),
            scope: TokenScope(storedForm: row["scope"]), issuedAt: UInt64(row["issued"] as Int64),
            revokedAt: (row["revoked"] as Int64?).map(UInt64.init),
            replica: (row["replica"] as Data?).flatMap(Bytes16.init(data:)).map(ReplicaID.init),
            publicKey: try key(row["public_key"]))
    }

    static func key(_ stored: Data?) throws -> OriginPublicKey? {
        try stored.map { try OriginPublicKey(rawRepresentation: [UInt8]($0)) }
    }
}
