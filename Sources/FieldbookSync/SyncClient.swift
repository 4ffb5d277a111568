import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import Foundation
import GRDB

/// Syncs a replica with the server: rounds of push-a-batch / pull-a-batch until both
/// sides are drained.
///
/// Each round is one request; a round that fails on the network is retried with
/// backoff, and resending is harmless because the server skips what it already holds.
/// What the server holds is remembered after every round, so a dropped connection
/// costs at most the round in flight, never a restart from zero.
public final class SyncClient: Sendable {
    /// Settings of a sync.
    public struct Options: Sendable {
        /// The approximate size of each pushed batch: small, for slow links.
        public var pushBytes: Int
        /// The approximate size of the first pulled batch the client asks for. While
        /// rounds come back quickly (under a second) it doubles, up to ``maximumPullBytes``;
        /// after a failed round it halves again: small batches on a slow or dropping link,
        /// few round trips on a good one.
        public var pullBytes: Int
        /// The smallest pull that failed rounds halve it to: a quarter of ``pullBytes`` by default.
        public var minimumPullBytes: Int
        /// A round answered within this time lets the next pull double.
        public var fastRound: Duration
        /// The largest pulled batch the client asks for: 1 MB (about 70,000 attendance
        /// marks), which keeps a whole decoded batch well inside the client's memory budget.
        public var maximumPullBytes: Int
        /// Ask for the next pulled batch while merging this one, when the round pushed
        /// nothing: the client's merge then overlaps the server's work and the transfer
        /// (a cold sync takes about the longer of the two, not their sum). The early answer
        /// is used only if the merge left exactly the knowledge it was asked with.
        public var pipelined: Bool
        /// Retries and backoff.
        public var retry: RetryPolicy
        /// Clock offset from the server (ms) above which the summary warns.
        public var clockWarning: UInt64

        public init(
            pushBytes: Int = 64 << 10, pullBytes: Int = 256 << 10, maximumPullBytes: Int = 1 << 20,
            minimumPullBytes: Int? = nil, fastRound: Duration = .seconds(1), pipelined: Bool = true,
            retry: RetryPolicy = RetryPolicy(),
            clockWarning: UInt64 = 60_000
        ) {
            self.pushBytes = pushBytes
            self.pullBytes = pullBytes
            self.maximumPullBytes = max(pullBytes, maximumPullBytes)
            self.minimumPullBytes = min(pullBytes, minimumPullBytes ?? pullBytes / 4)
            self.fastRound = fastRound
            self.pipelined = pipelined
            self.retry = retry
            self.clockWarning = clockWarning
        }
    }

    /// Running totals, reported after every round.
    public struct Progress: Sendable, Codable {
        public var rounds = 0
        public var sent = 0
        public var received = 0
        public var bytesUp = 0
        public var bytesDown = 0
        public var retries = 0
        /// Open entries in the local conflict ledger after the sync.
        public var conflicts = 0
        /// Our changes the server holds in quarantine (clock too far ahead).
        public var quarantined = 0
        /// Server clock minus ours, milliseconds, from the last round.
        public var clockOffset: Int64 = 0
        /// Our quarantined changes given a new timestamp once our clock agreed with the server's.
        public var restamped = 0
        /// Changes in partitions this token cannot write, left local.
        public var unsendable: UInt64 = 0
        public var seconds: Double = 0

        /// Adds the transfer figures of a round run on its own (a pipelined one).
        mutating func addTransfer(of round: Progress) {
            bytesUp += round.bytesUp
            bytesDown += round.bytesDown
            retries += round.retries
        }
    }

    /// A pull-only round asked for before the previous batch was merged.
    struct EarlyRound {
        /// The knowledge it was asked with: what the merge in progress should leave.
        let knowledge: Knowledge
        let started: ContinuousClock.Instant
        let answer: Task<(SyncResponse, Progress), any Error>
    }

    let store: ReplicaStore
    let transport: any SyncTransport
    let token: String
    let options: Options
    let wallClock: any WallClock
    let sleep: @Sendable (Duration) async throws -> Void

    public init(
        store: ReplicaStore, transport: any SyncTransport, token: String, options: Options = Options(),
        wallClock: any WallClock = SystemWallClock(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.store = store
        self.transport = transport
        self.token = token
        self.options = options
        self.wallClock = wallClock
        self.sleep = sleep
    }

    /// Syncs until neither side has anything the other lacks.
    ///
    /// - Parameter progress: called after every round.
    /// - Throws: ``FieldbookError``: `.unavailable` when the server cannot be reached
    ///   after every retry (the message says how many changes wait), `.badToken` /
    ///   `.scopeDenied` / `.unsupportedVersion` as the server answered.
    @discardableResult
    public func run(progress report: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let started = ContinuousClock.now
        var progress = Progress()
        var server = try store.peerKnowledge(Fieldbook.serverPeer)
        var writable = try storedScope()
        var held: Set<StreamID> = []
        // Re-stamped streams not pushed since: the server lists them as quarantined until
        // their new versions reach it, so they are not held back before one push took them.
        var restampedUnsent: Set<StreamID> = []
        var gaps = 0
        var restamped = false
        var pushBytes = options.pushBytes
        var pullBytes = options.pullBytes
        var early: EarlyRound?
        defer { early?.answer.cancel() }

        while true {
            let local = try store.knowledge()
            var pushBase = server
            for stream in held { pushBase[stream] = local[stream] }
            // Until the server has told us what this token may write, the first round only pulls.
            let push =
                writable == .unknown
                ? BatchAssembler.Assembly(batch: ChangeBatch(), hasMore: false)
                : try store.changes(for: pushBase, partitions: writable.partitions, byteBudget: pushBytes)
            let request = makeRequest(knowledge: local, push: push.batch, pullBytes: pullBytes)
            let response: SyncResponse
            var roundStarted = ContinuousClock.now
            let retriesBefore = progress.retries
            let asked = early
            early = nil
            do {
                if let asked, push.batch.changes.isEmpty, push.batch.ranges.isEmpty, asked.knowledge == local {
                    let (answer, round) = try await asked.answer.value
                    progress.addTransfer(of: round)
                    roundStarted = asked.started
                    response = answer
                } else {
                    asked?.answer.cancel()
                    response = try await send(request, progress: &progress)
                }
            } catch let error as FieldbookError where error.code == .sequenceGap && gaps < 8 {
                // The server holds less of a stream than we remembered (restored from a
                // backup?): resume that stream where it says and go on.
                gaps += 1
                if let resume = error.resume { server[resume.stream] = resume.after }
                continue
            } catch let error as FieldbookError where error.code == .tooLarge && pushBytes > 1024 {
                // A proxy or the server takes less than we sent: halve the batch and go on.
                pushBytes /= 2
                continue
            }
            if progress.retries > retriesBefore {
                pullBytes = max(options.minimumPullBytes, pullBytes / 2)
            } else if response.hasMore && ContinuousClock.now - roundStarted < options.fastRound {
                pullBytes = min(options.maximumPullBytes, pullBytes * 2)
            }
            // Everything the server lacked went up in this round, unless the scope was unknown.
            let pushedAll = !push.hasMore && writable != .unknown
            if options.pipelined && pushedAll && response.hasMore && push.batch.changes.isEmpty {
                early = askEarly(after: response.batch, from: local, pullBytes: pullBytes)
            }
            let merged = try store.merge(response.batch, from: response.server, recordsConflicts: false)
            server = response.knowledge
            try store.setPeerKnowledge(Fieldbook.serverPeer, server)
            let scope = SyncScope(response.writablePartitions)
            if scope != writable {
                writable = scope
                try store.setSetting(SyncScope.settingKey, scope.storedForm)
            }
            for range in push.batch.ranges { restampedUnsent.remove(range.stream) }
            for start in response.quarantined where !restampedUnsent.contains(start.stream) {
                held.insert(start.stream)
            }
            let ownHeldBack = response.quarantined.filter { $0.stream.origin == store.replicaID }
            let clockAgrees =
                Int64(response.serverTime) + Int64(HybridClock.defaultMaximumDrift / 2)
                >= Int64(wallClock.milliseconds())
            let restampNow = !ownHeldBack.isEmpty && clockAgrees && !restamped
            if restampNow {
                // Our clock was wrong when we wrote these and is right now: give them new
                // stamps and push them again (the server holds them unmerged and uncounted).
                restamped = true
                for start in ownHeldBack {
                    let count = try store.restamp(start.stream, from: start.sequence)
                    progress.restamped += count
                    // A stream with nothing to re-stamp (it left in a bundle) stays held back.
                    guard count > 0 else { continue }
                    held.remove(start.stream)
                    restampedUnsent.insert(start.stream)
                }
            }

            progress.rounds += 1
            progress.sent += push.batch.changes.count
            progress.received += merged.received
            progress.quarantined = try quarantinedOnServer(response.quarantined, local: local)
            progress.clockOffset = Int64(response.serverTime) - Int64(wallClock.milliseconds())
            progress.seconds = seconds(since: started)
            report(progress)

            // A merge that found conflicts wrote ledger entries (our own new changes): one
            // more round pushes them, so a finished sync leaves nothing unsynced.
            if pushedAll && !response.hasMore && !restampNow && merged.conflicts == 0 { break }
        }
        progress.unsendable = try Fieldbook(store: store).unsyncedChanges().localOnly
        progress.conflicts = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts WHERE resolved_time IS NULL AND deleted = 0") ?? 0
        }
        try store.setSetting("server.last_sync", Fieldbook.isoTime(wallClock.milliseconds()))
        progress.seconds = seconds(since: started)
        return progress
    }

    /// A round's request: what we hold, what we push, and how much we take back.
    func makeRequest(knowledge: Knowledge, push: ChangeBatch, pullBytes: Int) -> SyncRequest {
        SyncRequest(
            schemaVersion: UInt32(store.schema.version), replica: store.replicaID,
            clientTime: wallClock.milliseconds(), knowledge: knowledge, batch: push,
            maxResponseBytes: UInt32(clamping: pullBytes))
    }

    /// Asks for the next pulled batch as if `batch` were already merged into `local`.
    func askEarly(after batch: ChangeBatch, from local: Knowledge, pullBytes: Int) -> EarlyRound {
        var expected = local
        expected.advance(through: batch.ranges)
        let request = makeRequest(knowledge: expected, push: ChangeBatch(), pullBytes: pullBytes)
        let answer = Task {
            var round = Progress()
            let response = try await self.send(request, progress: &round)
            return (response, round)
        }
        return EarlyRound(knowledge: expected, started: .now, answer: answer)
    }

    /// Sends one round, retrying network failures and 5xx answers with backoff.
    func send(_ request: SyncRequest, progress: inout Progress) async throws -> SyncResponse {
        let body = WireFormat.encode(.syncRequest(request))
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        var resentCorrupt = false
        while true {
            attempt += 1
            var failure: String
            do {
                let (status, answer) = try await transport.post(body, token: token)
                progress.bytesUp += body.count
                progress.bytesDown += answer.count
                if status == 200 {
                    guard case .syncResponse(let response) = try WireFormat.decode(answer) else {
                        throw FieldbookError(.corrupt, "the server answered with something other than a sync response")
                    }
                    return response
                }
                let error = Self.error(status: status, body: answer)
                // A body the server found corrupt was damaged on the way: send it once more.
                let resend = error.code == .corrupt && !resentCorrupt
                guard RetryPolicy.isRetryable(status: status) || resend else { throw error }
                resentCorrupt = resentCorrupt || error.code == .corrupt
                failure = error.message
            } catch let error as FieldbookError {
                throw error
            } catch {
                failure = Self.describe(networkError: error)
            }
            guard attempt < options.retry.maxAttempts else {
                let waiting = try Fieldbook(store: store).unsyncedChanges().waiting
                throw FieldbookError(
                    .unavailable,
                    "server unreachable (\(failure)); \(waiting) changes wait for the next sync")
            }
            progress.retries += 1
            try await sleep(options.retry.delay(attempt: attempt, using: &generator))
        }
    }

    /// A short human reason for a network failure.
    static func describe(networkError error: any Error) -> String {
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return "connection refused" }
        if text.contains("connecttimeout") || text.contains("connect timeout") { return "connection timed out" }
        if text.contains("readtimeout") || text.contains("deadline") || text.contains("timeout") {
            return "no answer in time"
        }
        if text.contains("dns") || text.contains("resolve") || text.contains("lookup") {
            return "server name not found"
        }
        if text.contains("closed") || text.contains("reset") || text.contains("eof") { return "connection dropped" }
        return String(describing: error)
    }

    /// The error a refused round carries (or one made from the status).
    static func error(status: Int, body: [UInt8]) -> FieldbookError {
        if case .error(let message)? = try? WireFormat.decode(body) { return message.error }
        let code = SyncHTTP.code(forStatus: status)
        return FieldbookError(code, "the server answered HTTP \(status)")
    }

    func quarantinedOnServer(_ starts: [StreamStart], local: Knowledge) throws -> Int {
        starts.reduce(0) { $0 + Int(local[$1.stream] - min(local[$1.stream], $1.sequence - 1)) }
    }

    func storedScope() throws -> SyncScope {
        try store.setting(SyncScope.settingKey).map(SyncScope.init(storedForm:)) ?? .unknown
    }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
