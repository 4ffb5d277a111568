import FieldbookCore
import FieldbookProtocol
import Logging

/// One sync round, without HTTP: authenticate, check scope, merge the pushed batch,
/// answer with what the client lacks. The HTTP layer only moves bytes.
public struct SyncService: Sendable {
    /// Size limits of a round.
    public struct Limits: Sendable {
        /// The largest request body accepted.
        public var maxRequestBytes: Int
        /// The response batch size when the client asks for none.
        public var defaultResponseBytes: Int
        /// The largest response batch a client may ask for.
        public var maxResponseBytes: Int
        /// The most changes one push may carry (clients send a few thousand at most).
        public var maxChangesPerRound: Int

        public init(
            maxRequestBytes: Int = 8 << 20, defaultResponseBytes: Int = 256 << 10, maxResponseBytes: Int = 4 << 20,
            maxChangesPerRound: Int = 200_000
        ) {
            self.maxRequestBytes = maxRequestBytes
            self.defaultResponseBytes = defaultResponseBytes
            self.maxResponseBytes = maxResponseBytes
            self.maxChangesPerRound = maxChangesPerRound
        }

        /// The most bytes any request may inflate to: 16 times the body limit, 16 MiB at
        /// most (a client's push is about 64 KiB before compression).
        public var maxDecodedRequestBytes: Int {
            min(maxRequestBytes.multipliedReportingOverflow(by: 16).partialValue, 16 << 20)
        }

        /// The decode limits of a request body of `count` bytes.
        ///
        /// A body may inflate to 64 times its size (1 MiB at least): a few kilobytes of
        /// zeros can declare and inflate to megabytes, and the server allocates what the
        /// payload declares, so the ratio, not only the total, is bounded.
        public func decodeLimits(forBodyOf count: Int) -> DecodeLimits {
            DecodeLimits(
                maxEncodedBytes: maxRequestBytes,
                maxDecodedBytes: min(
                    maxDecodedRequestBytes, max(1 << 20, count.multipliedReportingOverflow(by: 64).partialValue)),
                maxChanges: maxChangesPerRound)
        }
    }

    public let store: any SyncStore
    public let metrics: ServerMetrics
    public let limits: Limits
    let wallClock: any WallClock
    let logger: Logger

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

    /// Answers one encoded sync request.
    public func handle(body: [UInt8], token: StoredToken) async throws -> SyncResponse {
        let message = try WireFormat.decode(body, limits: limits.decodeLimits(forBodyOf: body.count))
        guard case .syncRequest(let request) = message else {
            throw FieldbookError(
                .invalidInput, "expected a sync request, got \(message.kind); check the client version")
        }
        return try await handle(request, token: token)
    }

    /// Answers one decoded sync request.
    public func handle(_ request: SyncRequest, token: StoredToken) async throws -> SyncResponse {
        let started = ContinuousClock.now
        let report = try await mergePush(request, token: token)

        // The client now holds what it pushed; don't send it back.
        var peer = request.knowledge
        peer.advance(through: request.batch.ranges)
        let held = try await store.knowledge()
        let readable = token.scope.readable(among: held.partitions)
        let budget =
            request.maxResponseBytes == 0
            ? limits.defaultResponseBytes : min(Int(request.maxResponseBytes), limits.maxResponseBytes)
        let assembly = try await store.changes(for: peer, partitions: readable, byteBudget: budget)
        let response = SyncResponse(
            server: store.replicaID, serverTime: wallClock.milliseconds(),
            knowledge: readable.map { held.restricted(to: $0) } ?? held,
            accepted: MergeSummary(report),
            quarantined: try await quarantinedStarts(of: request.replica, token: token),
            batch: assembly.batch, hasMore: assembly.hasMore, writablePartitions: token.scope.writable)
        metrics.record(report: report, pushed: request.batch.changes.count, sent: assembly.batch.changes.count)
        metrics.roundSeconds.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        logger.info(
            "sync round",
            metadata: [
                "device": "\(token.name)", "replica": "\(request.replica.short)",
                "pushed": "\(request.batch.changes.count)", "applied": "\(report.applied)",
                "conflicts": "\(report.conflicts)", "quarantined": "\(report.quarantined)",
                "sent": "\(assembly.batch.changes.count)", "more": "\(assembly.hasMore)",
            ])
        return response
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
