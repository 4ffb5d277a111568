import FieldbookCore
import Foundation
import GRDB
import Logging
import Synchronization

/// A replica: one SQLite file holding the materialized tables that ordinary SQL can
/// read, the change log, version vectors, the conflict ledger and the quarantine.
///
/// Every local write runs in one transaction with its log entries; every remote batch
/// merges in one transaction, all or nothing. The store is safe to share between
/// threads: GRDB serializes writes, and reads see committed snapshots.
///
/// ```swift
/// let store = try ReplicaStore.create(at: path, name: "Shanghai laptop", schema: schema)
/// try store.write { tx in
///     try tx.set(table: "attendance", key: key, partition: cohort, values: ["status": .text("present")])
/// }
/// ```
public final class ReplicaStore: Sendable {
    /// This replica's identity.
    public let replicaID: ReplicaID
    /// The replicated schema this store materializes.
    public let schema: ReplicatedSchema
    /// Where the file lives (`:memory:` for none).
    public let path: String
    /// The GRDB connection (queue for tools, pool for the server).
    public let database: any DatabaseWriter
    let options: Options
    let catalog: Mutex<Catalog>

    /// How a store is opened.
    public struct Options: Sendable {
        /// Where physical time comes from.
        public var wallClock: any WallClock
        /// How far ahead of physical time a remote change may be stamped before quarantine.
        public var maximumDrift: UInt64
        /// Use a connection pool (concurrent readers), for the server.
        public var pooled: Bool
        /// Open read-only: commands that only print never take the write lock.
        public var readOnly: Bool
        /// Logs go here, at debug and trace level.
        public var logger: Logger

        /// Options from their parts; defaults suit the command-line tool.
        public init(
            wallClock: any WallClock = SystemWallClock(), maximumDrift: UInt64 = HybridClock.defaultMaximumDrift,
            pooled: Bool = false, readOnly: Bool = false, logger: Logger = Logger(label: "fieldbook.store")
        ) {
            self.wallClock = wallClock
            self.maximumDrift = maximumDrift
            self.pooled = pooled
            self.readOnly = readOnly
            self.logger = logger
        }
    }

    init(
        replicaID: ReplicaID, schema: ReplicatedSchema, path: String, database: any DatabaseWriter, options: Options,
        catalog: Catalog
    ) {
        self.replicaID = replicaID
        self.schema = schema
        self.path = path
        self.database = database
        self.options = options
        self.catalog = Mutex(catalog)
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction with a fresh session; commits only if it
    /// returns, and adopts the session's catalog after the commit.
    func withSession<T>(_ body: (StoreSession) throws -> T) throws -> T {
        let now = options.wallClock.milliseconds()
        let snapshot = catalog.withLock { $0.snapshot }
        var adopted: Catalog?
        let result = try StoreErrors.translate {
            try database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    let session = StoreSession(
                        db: db, catalog: snapshot, clock: try self.loadClock(db), now: now, local: replicaID,
                        schema: schema)
                    result = try body(session)
                    try session.finish()
                    adopted = session.catalog
                    return .commit
                }
                return result!
            }
        }
        if let adopted { catalog.withLock { $0.absorb(adopted) } }
        return result
    }

    /// Runs `body` in a read transaction (a consistent snapshot).
    func withReadSession<T>(_ body: (StoreSession) throws -> T) throws -> T {
        let now = options.wallClock.milliseconds()
        let snapshot = catalog.withLock { $0.snapshot }
        var learned: Catalog?
        let result = try StoreErrors.translate {
            try database.read { db in
                let session = StoreSession(
                    db: db, catalog: snapshot, clock: try self.loadClock(db), now: now, local: replicaID, schema: schema
                )
                defer { learned = session.catalog }
                return try body(session)
            }
        }
        // What a read learned comes from committed rows: keep it for the next session.
        if let learned { catalog.withLock { $0.absorb(learned) } }
        return result
    }

    func loadClock(_ db: Database) throws -> HybridClock {
        let last =
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(coalesce((SELECT value FROM fb_meta WHERE key = 'clock'), 0),
                               coalesce((SELECT max(s.clock) FROM fb_streams s JOIN fb_replicas r ON r.id = s.origin
                                         WHERE r.replica = ?), 0))
                    """, arguments: [replicaID.rawValue.data]) ?? 0
        return HybridClock(last: HLC(databaseInteger: last), maximumDrift: options.maximumDrift)
    }

    // MARK: Local writes

    /// Writes locally, in one transaction: every cell set in `body` becomes a change in
    /// this replica's log, atomically with the materialized rows.
    ///
    /// - Throws: ``FieldbookError``; when `body` throws, nothing is written.
    public func write<T>(_ body: (LocalTransaction) throws -> T) throws -> T {
        try withSession { session in try body(LocalTransaction(session: session)) }
    }

    /// Reads the materialized tables (and anything else) in one consistent snapshot.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try StoreErrors.translate { try database.read(body) }
    }

    // MARK: Sync

    /// Merges a batch of remote changes, all or nothing.
    ///
    /// - Parameters:
    ///   - batch: the changes and the stream ranges they cover.
    ///   - sender: the replica that sent the batch (its own changes are checked against
    ///     the clock bound); `nil` for changes of unknown provenance.
    ///   - acceptSkewed: merge changes stamped too far ahead instead of quarantining them.
    ///   - checksEveryOrigin: check every change against the clock bound, not only the
    ///     sender's own (a server taking pushes, a replica importing a bundle).
    ///   - recordsConflicts: write concurrent losers to the ledger (off for a client
    ///     merging what the server sent: the server records them, once).
    ///   - rights: what the sender may write; `nil` for any partition (a laptop merging
    ///     the server's reply or a bundle). Every row is checked against its partition
    ///     either way (``FieldbookCore/RowAuthorizer``).
    ///   - vetted: the changes were checked when they first arrived (this replica's own
    ///     quarantine, genesis data): skip the row checks.
    ///   - chains: check every range against its origin's signed chain
    ///     (``FieldbookCore/ChainVerifier``); `nil` where chains are not checked yet.
    ///   - fromServer: the batch is this replica's server's answer, whose versions of this
    ///     replica's own unconfirmed re-stamped changes win (``roundKnowledge()``).
    /// - Throws: ``FieldbookError`` `.sequenceGap` (with where to resume), `.corrupt`, or
    ///   `.scopeDenied` for a change outside its row's partition or its sender's rights;
    ///   nothing is merged then.
    @discardableResult
    public func merge(
        _ batch: ChangeBatch, from sender: ReplicaID?, acceptSkewed: Bool = false, checksEveryOrigin: Bool = false,
        recordsConflicts: Bool = true, rights: WriterRights? = nil, vetted: Bool = false,
        chains: BatchMerger.ChainCheck? = nil, fromServer: Bool = false
    ) throws
        -> BatchMerger.Report
    {
        let rights = rights ?? .anyPartition(name: sender.map { "replica \($0.short)" } ?? "an unnamed sender")
        let authorizer = vetted ? nil : RowAuthorizer(schema: schema, rights: rights, receiver: replicaID)
        return try withSession { session in
            if fromServer { try session.confirmRestamps(in: batch) }
            return try BatchMerger.merge(
                batch, into: session,
                policy: .init(
                    sender: sender, now: session.now, acceptSkewed: acceptSkewed, checksEveryOrigin: checksEveryOrigin,
                    recordsConflicts: recordsConflicts, authorizer: authorizer, chains: chains))
        }
    }

    /// Everything this replica holds: its version vector per partition.
    public func knowledge() throws -> Knowledge {
        try withReadSession { try $0.knowledge() }
    }

    /// The next bounded batch of changes a peer lacks.
    ///
    /// - Parameters:
    ///   - peer: what the peer holds.
    ///   - partitions: the partitions the peer may receive; `nil` for all.
    ///   - byteBudget: the approximate batch size.
    public func changes(for peer: Knowledge, partitions: Set<PartitionID>? = nil, byteBudget: Int) throws
        -> BatchAssembler.Assembly
    {
        try withReadSession { session in
            try BatchAssembler.assemble(
                from: session, local: try session.knowledge(), peer: peer, partitions: partitions,
                byteBudget: byteBudget)
        }
    }

    /// The current hybrid clock reading.
    public func clockReading() throws -> HLC {
        try read { db in try loadClock(db).last }
    }

    // MARK: Settings

    /// A local (not replicated) setting, such as the sync server's URL.
    public func setting(_ key: String) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM fb_meta WHERE key = ?", arguments: ["setting." + key])
        }
    }

    /// Stores a local setting; `nil` removes it.
    public func setSetting(_ key: String, _ value: String?) throws {
        try setSettings([(key, value)])
    }

    /// Stores several local settings in one transaction, so they change all together or
    /// not at all; a `nil` value removes its key.
    public func setSettings(_ values: [(key: String, value: String?)]) throws {
        try StoreErrors.translate {
            try database.write { db in
                for (key, value) in values {
                    if let value {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO fb_meta (key, value) VALUES (?, ?)",
                            arguments: ["setting." + key, value])
                    } else {
                        try db.execute(sql: "DELETE FROM fb_meta WHERE key = ?", arguments: ["setting." + key])
                    }
                }
            }
        }
    }
}

/// A local write transaction: what ``ReplicaStore/write(_:)`` hands its body.
public struct LocalTransaction {
    let session: StoreSession

    /// The connection, for reads inside the transaction.
    public var database: Database { session.db }

    /// This replica's ID.
    public var replicaID: ReplicaID { session.local }

    /// Physical time at the start of the transaction, Unix milliseconds.
    public var now: UInt64 { session.now }

    /// The partitions this transaction has written to so far.
    public var writtenPartitions: Set<PartitionID> { session.writtenPartitions }

    /// Sets columns of a row (creating it if needed). Unchanged values write nothing.
    ///
    /// - Returns: the changes written.
    @discardableResult
    public func set(table: String, key: RowKey, partition: PartitionID, values: KeyValuePairs<String, Value>) throws
        -> [Change]
    {
        try set(table: table, key: key, partition: partition, columns: values.map { ($0, $1) })
    }

    /// Sets columns of a row from a list (for callers that build the list at run time).
    ///
    /// The columns of a column group (``FieldbookCore/TableSchema/columnGroups``) are
    /// written together under one stamp, all of them whenever any of them changes: a
    /// group column left out keeps its current value, written again with the group.
    ///
    /// A row that does not exist yet is written as one write (one stamp for all its
    /// cells, the row inserted whole): nobody else can have written a row whose random
    /// ID this replica has just made, so stamps per cell would order nothing.
    @discardableResult
    public func set(table: String, key: RowKey, partition: PartitionID, columns: [(String, Value)]) throws -> [Change] {
        let schema = session.schema.table(table)
        if columns.count > 1, Set(columns.map(\.0)).count == columns.count,
            try session.lookup(CellAddress(table: table, key: key, column: columns[0].0)).rowID == nil
        {
            return try session.write(together: newRow(table: table, key: key, columns: columns), partition: partition)
        }
        var written: [Change] = []
        var grouped: Set<String> = []
        for (column, value) in columns where !grouped.contains(column) {
            let cell = CellAddress(table: table, key: key, column: column)
            guard let group = schema?.group(of: column) else {
                if let change = try session.write(cell, partition: partition, value: value) { written.append(change) }
                continue
            }
            grouped.formUnion(group)
            let cells = try group.map { member in
                let address = CellAddress(table: table, key: key, column: member)
                let given = columns.last { $0.0 == member }?.1
                return (address, try given ?? session.lookup(address).version?.value ?? .null)
            }
            written += try session.write(together: cells, partition: partition)
        }
        return written
    }

    /// Inserts a row under a key this replica has just made (a new random row ID): the
    /// one write ``set(table:key:partition:columns:)`` makes of a new row, without the
    /// lookup it makes first to see whether the row exists (a roster import makes
    /// thousands). A key that exists after all is refused by the database, and the
    /// transaction rolls back.
    @discardableResult
    public func insert(table: String, key: RowKey, partition: PartitionID, columns: [(String, Value)]) throws
        -> [Change]
    {
        guard columns.count > 1, Set(columns.map(\.0)).count == columns.count else {
            return try set(table: table, key: key, partition: partition, columns: columns)
        }
        return try session.write(
            together: newRow(table: table, key: key, columns: columns), partition: partition, knownNew: true)
    }

    /// The cells of a new row: the given columns, and the unset members of their column
    /// groups (written as NULL, so the group shares the row's one stamp).
    private func newRow(table: String, key: RowKey, columns: [(String, Value)]) -> [(CellAddress, Value)] {
        let schema = session.schema.table(table)
        let given = Set(columns.map(\.0))
        let missing = columns.flatMap { column, _ in schema?.group(of: column) ?? [] }.filter { !given.contains($0) }
        var cells = columns.map { (CellAddress(table: table, key: key, column: $0), $1) }
        for member in Set(missing).sorted() {
            cells.append((CellAddress(table: table, key: key, column: member), .null))
        }
        return cells
    }

    /// Deletes a row: sets its tombstone register, which merges like any other write.
    @discardableResult
    public func delete(table: String, key: RowKey, partition: PartitionID) throws -> Change? {
        try session.write(
            CellAddress(table: table, key: key, column: Change.deletedColumn), partition: partition, value: .integer(1))
    }

    /// The current winning version of a cell.
    public func version(of cell: CellAddress) throws -> CellVersion? {
        try session.currentVersion(of: cell)
    }
}
