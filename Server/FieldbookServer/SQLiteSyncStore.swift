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
                        replica BLOB);
                    CREATE UNIQUE INDEX IF NOT EXISTS fb_tokens_live_name ON fb_tokens (name) WHERE revoked IS NULL;
                    """)
            // Files written before tokens were bound to replicas.
            if try !db.columns(in: "fb_tokens").contains(where: { $0.name == "replica" }) {
                try db.execute(sql: "ALTER TABLE fb_tokens ADD COLUMN replica BLOB")
            }
        }
    }

    public func merge(_ batch: ChangeBatch, from sender: ReplicaID, rights: WriterRights) async throws
        -> BatchMerger.Report
    {
        try await offload { [store] in try store.merge(batch, from: sender, checksEveryOrigin: true, rights: rights) }
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
                try Row.fetchOne(db, sql: "SELECT * FROM fb_tokens WHERE id = ?", arguments: [id]).map(Self.token)
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
                try Row.fetchAll(db, sql: "SELECT * FROM fb_tokens ORDER BY name, issued").map(Self.token)
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

    public func bindToken(id: String, to replica: ReplicaID) async throws -> ReplicaID {
        try await offload { [store] in
            try store.database.write { db in
                try db.execute(
                    sql: "UPDATE fb_tokens SET replica = ? WHERE id = ? AND replica IS NULL",
                    arguments: [replica.rawValue.data, id])
                let bound = try Data.fetchOne(db, sql: "SELECT replica FROM fb_tokens WHERE id = ?", arguments: [id])
                guard let bound = bound.flatMap(Bytes16.init(data:)) else {
                    throw FieldbookError(.badToken, "the device token is not valid; ask the office for a new one")
                }
                return ReplicaID(bound)
            }
        }
    }

    public func unbindToken(name: String) async throws -> Bool {
        try await offload { [store] in
            try store.database.write { db in
                try db.execute(
                    sql: "UPDATE fb_tokens SET replica = NULL WHERE name = ? AND revoked IS NULL", arguments: [name])
                return db.changesCount > 0
            }
        }
    }

    static func token(_ row: Row) -> StoredToken {
        StoredToken(
            id: row["id"], name: row["name"], secretHash: [UInt8](row["secret_hash"] as Data),
            scope: TokenScope(storedForm: row["scope"]), issuedAt: UInt64(row["issued"] as Int64),
            revokedAt: (row["revoked"] as Int64?).map(UInt64.init),
            replica: (row["replica"] as Data?).flatMap(Bytes16.init(data:)).map(ReplicaID.init))
    }
}
