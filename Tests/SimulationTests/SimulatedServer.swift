import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookStore
import FieldbookSync
import Logging

/// The sync server of a simulation: the real `SyncService` over the real
/// `SQLiteSyncStore`, restartable from its file, taking rounds either straight (in
/// process) or over real loopback HTTP (``LoopbackServer``).
final class SimulatedServer {
    let path: String
    let clock: ManualWallClock
    private(set) var store: SQLiteSyncStore
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

    /// Creates the server's replica file with a replica ID from the seed (so the run
    /// replays exactly), then opens it as `fieldbook-server serve` does.
    init(path: String, replicaID: ReplicaID, clock: ManualWallClock, overHTTP: Bool = false) async throws {
        self.path = path
        self.clock = clock
        _ = try Fieldbook.create(
            at: path, name: "server", replicaID: replicaID, options: .init(wallClock: clock))
        (store, service) = try Self.open(path: path, clock: clock)
        if overHTTP { try await listen() }
    }

    static let logger = {
        var logger = Logger(label: "fieldbook.simulation.server")
        logger.logLevel = .critical
        return logger
    }()

    static func open(path: String, clock: ManualWallClock) throws -> (SQLiteSyncStore, SyncService) {
        let store = try SQLiteSyncStore(
            path: path, options: .init(wallClock: clock, pooled: true, logger: logger))
        return (store, SyncService(store: store, wallClock: clock, logger: logger))
    }

    /// Serves the store over loopback HTTP, through a service whose store tallies merges.
    private func listen() async throws {
        let recording = MergeRecordingStore(store)
        service = SyncService(store: recording, wallClock: clock, logger: Self.logger)
        self.recording = recording
        loopback = try await LoopbackServer.start(service, logger: Self.logger)
    }

    /// Drops the open store (and the HTTP server) and opens the file again, as a restarted
    /// process would.
    func restart() async throws {
        let http = loopback != nil
        await stop()
        (store, service) = try Self.open(path: path, clock: clock)
        if http { try await listen() }
        restarts += 1
    }

    /// Stops the HTTP server, if any (the end of a run).
    func stop() async {
        await loopback?.stop()
        loopback = nil
        recording = nil
    }

    /// The server replica through the NPQ facade.
    var fieldbook: Fieldbook { Fieldbook(store: store.store) }

    /// Issues a token with a fixed secret: the office's unless `scope` says otherwise.
    func issueToken(name: String, text: String, scope: TokenScope = .all) async throws {
        let token = DeviceToken(text)!
        try await store.insertToken(
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
    func releaseQuarantine(origin: ReplicaID? = nil) throws -> BatchMerger.Report {
        let report = try store.store.releaseQuarantine(origin: origin)
        merged.add(report)
        return report
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
