import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookStore
import FieldbookSync
import FieldbookTestSupport
import Logging

/// The sync server of a simulation: the real `SyncService` over a real store (the
/// embedded `SQLiteSyncStore`, or `PostgresSyncStore` on a database of its own),
/// restartable from what it stored, taking rounds either straight (in process) or over
/// real loopback HTTP (``LoopbackServer``).
final class SimulatedServer {
    /// Where the server keeps its data.
    enum Backend: Sendable, Equatable {
        /// A replica file at the server's path, as `fieldbook-server serve --db`.
        case sqlite
        /// A PostgreSQL database, as `fieldbook-server serve --postgres URL`.
        case postgres(url: String)
    }

    let path: String
    let clock: ManualWallClock
    let backend: Backend
    let replicaID: ReplicaID
    /// The store behind the service.
    private(set) var sync: any SyncStore
    /// The store, when it is the embedded one: its file can be read directly.
    private(set) var sqlite: SQLiteSyncStore?
    private(set) var service: SyncService
    /// The HTTP server rounds go through, when the run is over HTTP.
    private(set) var loopback: LoopbackServer?
    /// Over HTTP: the store the service merges into, which tallies what it merged.
    private var recording: MergeRecordingStore?
    /// Totals of every merge the server made (pushes, replays, releases).
    private(set) var merged = BatchMerger.Report()
    private(set) var rounds = 0
    /// Rounds that went over loopback HTTP, and how many of them were cut short.
    private(set) var roundsOverHTTP = 0
    private(set) var cutRoundsOverHTTP = 0
    private(set) var restarts = 0
    private var mirrors = 0

    /// Creates the server's store with a replica ID from the seed (so the run replays
    /// exactly), then opens it as `fieldbook-server serve` does.
    init(
        path: String, replicaID: ReplicaID, clock: ManualWallClock, backend: Backend = .sqlite, overHTTP: Bool = false
    ) async throws {
        self.path = path
        self.clock = clock
        self.backend = backend
        self.replicaID = replicaID
        if backend == .sqlite {
            _ = try Fieldbook.create(at: path, name: "server", replicaID: replicaID, options: .init(wallClock: clock))
        }
        (sync, sqlite) = try await Self.open(path: path, backend: backend, replicaID: replicaID, clock: clock)
        service = SyncService(store: sync, wallClock: clock, logger: Self.logger)
        if overHTTP { try await listen() }
    }

    static let logger = {
        var logger = Logger(label: "fieldbook.simulation.server")
        logger.logLevel = .critical
        return logger
    }()

    static func open(path: String, backend: Backend, replicaID: ReplicaID, clock: ManualWallClock) async throws
        -> (any SyncStore, SQLiteSyncStore?)
    {
        switch backend {
        case .sqlite:
            let store = try SQLiteSyncStore(path: path, options: .init(wallClock: clock, pooled: true, logger: logger))
            return (store, store)
        case .postgres(let url):
            let store = try await PostgresSyncStore.connect(
                url: url,
                options: .init(
                    wallClock: clock, maximumConnections: 2, replicaID: replicaID, logger: logger,
                    poolExecutor: OffPoolExecutor.postgres))
            return (store, nil)
        }
    }

    /// Serves the store over loopback HTTP, through a service whose store tallies merges.
    private func listen() async throws {
        let recording = MergeRecordingStore(sync)
        service = SyncService(store: recording, wallClock: clock, logger: Self.logger)
        self.recording = recording
        loopback = try await LoopbackServer.start(service, logger: Self.logger)
    }

    /// Drops the open store (and the HTTP server) and opens it again, as a restarted
    /// process would.
    func restart() async throws {
        let http = loopback != nil
        await stop()
        (sync, sqlite) = try await Self.open(path: path, backend: backend, replicaID: replicaID, clock: clock)
        service = SyncService(store: sync, wallClock: clock, logger: Self.logger)
        if http { try await listen() }
        restarts += 1
    }

    /// Stops the HTTP server, if any, and closes the store's connections (the end of a run).
    func stop() async {
        await loopback?.stop()
        loopback = nil
        recording = nil
        await (sync as? PostgresSyncStore)?.close()
    }

    /// Stops the server for good: a PostgreSQL server's database is dropped too (the end
    /// of a run, passed or failed: a failing seed is replayed from its seed, not its data).
    func close() async {
        await stop()
        if case .postgres(let url) = backend { try? await TestPostgres.dropDatabase(url: url) }
    }

    /// The server replica's file through the NPQ facade: the embedded store only.
    var fieldbook: Fieldbook { Fieldbook(store: sqlite!.store) }

    /// Issues a token with a fixed secret: the office's unless `scope` says otherwise.
    func issueToken(name: String, text: String, scope: TokenScope = .all) async throws {
        let token = DeviceToken(text)!
        try await sync.insertToken(
            StoredToken(
                id: token.id, name: name, secretHash: token.secretHash, scope: scope,
                issuedAt: clock.milliseconds()))
    }

    /// One round as the HTTP route runs it: authenticate, take the frames, answer with
    /// frames or the typed error. `delivered` cuts the request short after that many bytes.
    func handle(body: [UInt8], token: String, delivered: Int? = nil) async -> (
        status: Int, body: [UInt8], head: RoundHead?
    ) {
        rounds += 1
        if let loopback, let recording {
            // A cut request has no answer; its whole frames merged all the same.
            let sent = Array(body.prefix(delivered ?? body.count))
            roundsOverHTTP += 1
            if sent.count < body.count { cutRoundsOverHTTP += 1 }
            let answer = try? await loopback.post(sent, token: token)
            merged.add(recording.takeReport())
            guard sent.count == body.count, let answer else { return (0, [], nil) }
            return (answer.status, answer.body, Self.head(of: answer))
        }
        let answer = await service.answer(body: body, authorization: "Bearer \(token)", delivered: delivered)
        merged.add(answer.merged)
        return (answer.status, answer.body, Self.head(of: (answer.status, answer.body)))
    }

    /// The head frame of a framed answer.
    static func head(of answer: (status: Int, body: [UInt8])) -> RoundHead? {
        guard answer.status == 200 else { return nil }
        var reader = FrameReader()
        reader.append(answer.body)
        if case .roundHead(let head)? = try? reader.next() { return head }
        return nil
    }

    /// A transport straight into this server, with no faults: for scenario tests.
    var directTransport: DirectTransport { DirectTransport(service: service, clock: clock) }

    /// The office releases the quarantine as it is.
    func releaseQuarantine(origin: ReplicaID? = nil) async throws -> BatchMerger.Report {
        let report = try await sync.releaseQuarantine(origin: origin)
        merged.add(report)
        return report
    }

    /// Everything the server holds of the replicated data, as a replica file to read: the
    /// embedded store's own file, or a new replica that pulled all of a PostgreSQL store
    /// through the `SyncStore` protocol, frame by frame, as a new office laptop would.
    /// For PostgreSQL it also checks what only its tables show: the log sends no change
    /// twice, and the winning stamp each cell stores is the one its log elects.
    func content() async throws -> ReplicaStore {
        if let sqlite { return sqlite.store }
        mirrors += 1
        var options = ReplicaStore.Options(wallClock: clock)
        options.pooled = true
        var random = SeededRandom(seed: UInt64(mirrors))
        let mirror = try Fieldbook.create(
            at: path + "-mirror-\(mirrors).sqlite", name: "mirror", replicaID: ReplicaID.random(using: &random),
            options: options)
        var seen: Set<LogPosition> = []
        var elected: [CellAddress: Stamp] = [:]
        for frame in try await allFrames(sync) {
            for change in frame.changes {
                guard seen.insert(LogPosition(stream: change.stream, sequence: change.sequence)).inserted else {
                    throw SimulationFailure(description: "the PostgreSQL store sent \(change) twice in one readout")
                }
                if let current = elected[change.cell], current > change.stamp { continue }
                elected[change.cell] = change.stamp
            }
            try mirror.store.merge(frame, from: replicaID, acceptSkewed: true, recordsConflicts: false)
        }
        guard try mirror.store.knowledge() == (try await sync.knowledge()) else {
            throw SimulationFailure(
                description: "a replica that pulled all of the PostgreSQL store holds another vector")
        }
        if case .postgres(let url) = backend {
            let stored = try await TestPostgres.winners(url: url)
            for (cell, stamp) in elected where stored[cell] != stamp {
                throw SimulationFailure(
                    description:
                        "the PostgreSQL store keeps \(stored[cell].map(String.init(describing:)) ?? "no winner") for \(cell), its log elects \(stamp)"
                )
            }
            if let extra = stored.keys.first(where: { elected[$0] == nil }) {
                throw SimulationFailure(description: "the PostgreSQL store keeps a winner for \(extra) with no change")
            }
        }
        return mirror.store
    }
}

/// Posts rounds straight to a `SyncService`, as the HTTP route would.
struct DirectTransport: SyncTransport {
    let service: SyncService
    let clock: ManualWallClock

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        let answer = await service.answer(body: body, authorization: "Bearer \(token)")
        try await receive(.head(status: answer.status, contentType: "application/vnd.fieldbook", location: nil))
        try await receive(.bytes(answer.body))
    }
}
