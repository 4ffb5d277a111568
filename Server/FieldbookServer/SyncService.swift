import FieldbookCore
import FieldbookProtocol
import Logging

/// One sync round, without HTTP: authenticate, check scope, merge the pushed batch,
/// answer with what the client lacks. The HTTP layer only moves bytes.
public struct SyncService: Sendable {
    /// Size limits of a round.
    public struct Limits: Sendable {
        /// The largest request body accepted: all its frames together.
        public var maxRequestBytes: Int
        /// The size of an answer (all its frames, approximate bytes of the changes) when
        /// the client asks for none.
        public var defaultResponseBytes: Int
        /// The largest answer a client may ask for in one round.
        public var maxResponseBytes: Int
        /// The size of a change frame when the client asks for none.
        public var defaultFrameBytes: Int
        /// The largest change frame a client may ask for.
        public var maxFrameBytes: Int
        /// The most changes one round's push may carry (clients send a few thousand at most).
        public var maxChangesPerRound: Int

        public init(
            maxRequestBytes: Int = 8 << 20, defaultResponseBytes: Int = 4 << 20, maxResponseBytes: Int = 16 << 20,
            defaultFrameBytes: Int = 32 << 10, maxFrameBytes: Int = 1 << 20, maxChangesPerRound: Int = 200_000
        ) {
            self.maxRequestBytes = maxRequestBytes
            self.defaultResponseBytes = defaultResponseBytes
            self.maxResponseBytes = maxResponseBytes
            self.defaultFrameBytes = defaultFrameBytes
            self.maxFrameBytes = maxFrameBytes
            self.maxChangesPerRound = maxChangesPerRound
        }
    }

    public let store: any SyncStore
    public let metrics: ServerMetrics
    public let limits: Limits
    let wallClock: any WallClock
    let logger: Logger
    let readingRounds = ReadingRounds()
    /// Told of each answered round (the office console's laptops page); `nil` for none.
    /// ``buildApplication(service:console:host:port:logger:onServerRunning:)`` sets it to
    /// the console's when it serves one.
    public var roundObserver: (any RoundObserver)?

    public init(
        store: any SyncStore, metrics: ServerMetrics = ServerMetrics(), limits: Limits = Limits(),
        wallClock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "fieldbook.server")
    ) {
        self.store = store
        self.metrics = metrics
        self.limits = limits
        self.wallClock = wallClock
        self.logger = logger
    }

    /// The token an `Authorization: Bearer …` header names, if it is live.
    ///
    /// - Throws: `.badToken` for a missing, malformed, unknown or revoked token.
    public func authenticate(authorization: String?) async throws -> StoredToken {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw FieldbookError(.badToken, "no device token; set one with `fieldbook remote set URL --token TOKEN`")
        }
        let text = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let presented = DeviceToken(text), let stored = try await store.token(id: presented.id),
            presented.matches(stored.secretHash)
        else {
            throw FieldbookError(.badToken, "the device token is not valid; ask the office for a new one")
        }
        guard stored.revokedAt == nil else {
            throw FieldbookError(
                .badToken, "the device token '\(stored.name)' was revoked; ask the office for a new one")
        }
        return stored
    }

    /// Starts a framed round for an authenticated token: feed it the request's bytes,
    /// then stream its answer.
    public func startRound(token: StoredToken) -> SyncRound {
        SyncRound(service: self, token: token)
    }

    /// Runs a whole round over bytes already in memory and returns the whole framed answer:
    /// for in-process transports and tests. `POST /v1/sync` streams both ways instead.
    public func respond(to body: [UInt8], token: StoredToken) async throws -> [UInt8] {
        var merged = BatchMerger.Report()
        return try await run(body, token: token, complete: true, merged: &merged) ?? []
    }

    /// Feeds a new round `bytes` and answers it, or, when the request was cut short
    /// (`complete` false), ends its reading without an answer. `merged` gets what the
    /// pushed frames that arrived whole did, answered, cut or refused.
    func run(
        _ bytes: some Collection<UInt8>, token: StoredToken, complete: Bool, merged: inout BatchMerger.Report
    ) async throws -> [UInt8]? {
        var round = startRound(token: token)
        defer { merged = round.report }
        do {
            try await round.receive(bytes)
        } catch {
            round.endReading()
            throw error
        }
        guard complete else {
            round.endReading()
            return nil
        }
        let answer = try await round.finish()
        await observe(round)
        return try await answer.bytes()
    }
}

extension MergeSummary {
    /// The wire form of a merge report.
    public init(_ report: BatchMerger.Report) {
        self.init(
            applied: UInt32(clamping: report.applied), superseded: UInt32(clamping: report.superseded),
            duplicates: UInt32(clamping: report.duplicates), conflicts: UInt32(clamping: report.conflicts),
            quarantined: UInt32(clamping: report.quarantined), unknown: UInt32(clamping: report.unknown))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
