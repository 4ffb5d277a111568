import Fieldbook
import FieldbookCore
import FieldbookProtocol
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The scale-out store: the server's replica in a PostgreSQL database, shared by any
/// number of stateless `fieldbook-server` processes (all of them one replica, with one
/// replica ID stored in the database).
///
/// It runs the same merge (``FieldbookCore/BatchMerger``) and batch selection
/// (``FieldbookCore/BatchAssembler``) as the SQLite store. A merge is one READ COMMITTED
/// transaction that first takes an advisory lock per partition it touches (in sorted
/// order), then reads everything the batch needs in a few set-based queries, merges in
/// memory and writes back in a few multi-row statements; see `docs/POSTGRES.md`.
///
/// ```swift
/// let store = try await PostgresSyncStore.connect(url: "postgres://fieldbook@db/fieldbook")
/// defer { Task { await store.close() } }
/// let service = SyncService(store: store)
/// ```
public final class PostgresSyncStore: SyncStore {
    /// How the store connects and merges.
    public struct Options: Sendable {
        /// Where physical time comes from.
        public var wallClock: any WallClock
        /// How far ahead of physical time a remote change may be stamped before quarantine.
        public var maximumDrift: UInt64
        /// Connections in this process's pool.
        public var maximumConnections: Int
        /// How long a round waits for a pooled connection before it is refused as
        /// unavailable (the client retries).
        public var leaseTimeout: Duration
        /// How many times a merge is run again after a deadlock or a concurrent write.
        public var retries: Int
        /// The replica ID of a new database; random when `nil`.
        public var replicaID: ReplicaID?
        /// Reference changes every replica starts with, merged on the first start.
        public var genesis: ChangeBatch
        /// Logs go here, at debug and trace level (migrations at notice).
        public var logger: Logger
        /// Where the connection pool's own task runs (it opens and replaces connections);
        /// `nil` for the cooperative pool. A process that also does blocking work on the
        /// cooperative pool (a test process full of SQLite suites) gives it threads of its
        /// own, or a lost connection is not replaced until the blocking work ends.
        public var poolExecutor: (any TaskExecutor)?

        public init(
            wallClock: any WallClock = SystemWallClock(), maximumDrift: UInt64 = HybridClock.defaultMaximumDrift,
            maximumConnections: Int = 16, leaseTimeout: Duration = .seconds(10), retries: Int = 8,
            replicaID: ReplicaID? = nil, genesis: ChangeBatch = Programme.genesis,
            logger: Logger = Logger(label: "fieldbook.store.postgres"), poolExecutor: (any TaskExecutor)? = nil
        ) {
            self.wallClock = wallClock
            self.maximumDrift = maximumDrift
            self.maximumConnections = maximumConnections
            self.leaseTimeout = leaseTimeout
            self.retries = retries
            self.replicaID = replicaID
            self.genesis = genesis
            self.logger = logger
            self.poolExecutor = poolExecutor
        }
    }

    public let replicaID: ReplicaID
    /// Where the database is (without its password).
    public let endpoint: PostgresEndpoint
    let options: Options
    let client: PostgresClient
    let catalog = PostgresColumnCatalog()
    private let running: Task<Void, Never>

    private init(
        replicaID: ReplicaID, endpoint: PostgresEndpoint, options: Options, client: PostgresClient,
        running: Task<Void, Never>
    ) {
        self.replicaID = replicaID
        self.endpoint = endpoint
        self.options = options
        self.client = client
        self.running = running
    }

    /// Connects to the database at `url`, migrates its schema, and starts a connection pool.
    ///
    /// One direct connection checks the URL first, so a wrong host, user, password or
    /// database name fails at once with one clear line instead of a pool retrying forever.
    ///
    /// - Throws: ``FieldbookError``: `.usage` for a malformed URL; `.unavailable` when
    ///   the server cannot be reached; `.storage` for refused credentials or a missing
    ///   database; `.notAReplica` when the database was written by a newer build.
    public static func connect(url: String, options: Options = Options()) async throws -> PostgresSyncStore {
        let endpoint = try PostgresEndpoint(url: url)
        var generator = SystemRandomNumberGenerator()
        let replicaID: ReplicaID
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try endpoint.connectionConfiguration(), id: 0, logger: options.logger)
            do {
                replicaID = try await PostgresMigrations.migrate(
                    connection, replica: options.replicaID ?? ReplicaID.random(using: &generator),
                    now: options.wallClock.milliseconds(), logger: options.logger)
                try? await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw PostgresErrors.translate(error, endpoint: endpoint)
        }
        let client = PostgresClient(
            configuration: endpoint.clientConfiguration(maximumConnections: options.maximumConnections),
            backgroundLogger: options.logger)
        // The pool runs as long as the store: `close()` ends it.
        let running = Task(executorPreference: options.poolExecutor) { await client.run() }
        let store = PostgresSyncStore(
            replicaID: replicaID, endpoint: endpoint, options: options, client: client, running: running)
        do {
            try await store.loadCatalog()
            if !options.genesis.isEmpty {
                try await store.merge(options.genesis, sender: nil, acceptSkewed: false, rights: nil)
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Closes the connection pool; the store cannot be used afterwards.
    public func close() async {
        running.cancel()
        await running.value
    }

    // MARK: SyncStore

    public func merge(_ batch: ChangeBatch, from sender: ReplicaID, rights: WriterRights) async throws
        -> BatchMerger.Report
    {
        try await merge(batch, sender: sender, acceptSkewed: false, rights: rights)
    }

    public func knowledge() async throws -> Knowledge {
        try await withConnection { connection in
            try await self.readKnowledge(connection).knowledge
        }
    }

    public func nextFrame(of assembler: FrameAssembler, byteBudget: Int) async throws
        -> (FrameAssembler, BatchAssembler.Assembly)
    {
        try await withConnection { connection in
            try await connection.inTransaction(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.options.logger
            ) {
                try await self.assemble(assembler, on: connection, byteBudget: byteBudget)
            }
        }
    }

    // MARK: Connections

    /// Runs `body` on a pooled connection, translating failures into ``FieldbookError``s.
    ///
    /// Waiting for a connection is bounded by ``Options/leaseTimeout``: while the
    /// database is unreachable the pool keeps retrying in the background, and the round
    /// is refused as unavailable (the client retries) instead of hanging.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        let leased = LeaseFlag()
        let timeout = options.leaseTimeout
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        leased.value.store(true, ordering: .sequentiallyConsistent)
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    // Once a connection is leased the work runs to its end: cancelling it
                    // mid-transaction would gain nothing.
                    guard leased.value.load(ordering: .sequentiallyConsistent) else { throw LeaseTimeout() }
                    return nil
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw LeaseTimeout()
            }
        } catch is LeaseTimeout {
            throw FieldbookError(
                .unavailable,
                "no PostgreSQL connection within \(timeout) (is \(endpoint.address) up?); nothing was merged, try again"
            )
        } catch {
            throw PostgresErrors.translate(error, endpoint: endpoint)
        }
    }

    private struct LeaseTimeout: Error {}

    private final class LeaseFlag: Sendable {
        let value = Atomic<Bool>(false)
    }
}
