import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import Foundation
import GRDB
import Synchronization

/// Syncs a replica with the server: framed rounds of push / pull until both sides are
/// drained, driven by a ``SyncStateMachine``.
///
/// Each round is one request. Its push goes up as frames the server merges one by one,
/// and its answer comes down as frames this client merges one by one as they arrive, each
/// in its own transaction with the knowledge it implies: a connection that drops keeps
/// every whole frame, and the next attempt resumes from there with smaller frames. A sync
/// gives up only after several attempts in a row delivered nothing.
public final class SyncClient: Sendable {
    /// Settings of a sync.
    public struct Options: Sendable {
        /// Frame and round sizes to use instead of the remembered ones; fixed for the whole
        /// sync (`--frame-bytes`, `--round-bytes`).
        public var sizes: LinkSizes?
        /// The largest sizes successes grow to.
        public var largest: LinkSizes
        /// Retries and backoff; `maxAttempts` counts attempts in a row that delivered nothing.
        public var retry: RetryPolicy
        /// A connection on which no byte arrives for this long is ended and retried
        /// (`nil`: only the transport's own timeouts).
        public var idleTimeout: Duration?
        /// A connection that delivers no whole frame for this long (a link trickling a
        /// byte a second) is ended and retried with smaller frames.
        public var frameTimeout: Duration?
        /// The whole sync stops after this long, keeping what it merged (`--timeout`).
        public var timeout: Duration?
        /// Clock offset from the server (ms) above which the summary warns.
        public var clockWarning: UInt64
        /// The seed of the backoff's jitter (`nil`: random).
        public var seed: UInt64?

        public init(
            sizes: LinkSizes? = nil, largest: LinkSizes = .largest, retry: RetryPolicy = RetryPolicy(),
            idleTimeout: Duration? = .seconds(30), frameTimeout: Duration? = .seconds(120), timeout: Duration? = nil,
            clockWarning: UInt64 = 60_000, seed: UInt64? = nil
        ) {
            self.sizes = sizes
            self.largest = largest
            self.retry = retry
            self.idleTimeout = idleTimeout
            self.frameTimeout = frameTimeout
            self.timeout = timeout
            self.clockWarning = clockWarning
            self.seed = seed
        }
    }

    /// Running totals, reported after every frame and every failed attempt.
    public struct Progress: Sendable, Codable {
        public var rounds = 0
        public var sent = 0
        public var received = 0
        /// Changes the server said this replica lacked, plus those received: "of ~N".
        public var expected = 0
        /// Change frames merged.
        public var frames = 0
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
        /// Set while the client waits to retry a failed attempt.
        public var retrying: Retrying?

        /// A failed attempt and the wait before the next.
        public struct Retrying: Sendable, Codable {
            /// What went wrong, e.g. "connection dropped after 41 KB".
            public var reason: String
            /// The attempt that comes next.
            public var attempt: Int
            /// Seconds until it starts.
            public var delay: Double
        }
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
    /// - Parameter progress: called after every merged frame and every failed attempt.
    /// - Throws: ``FieldbookError``: `.unavailable` when attempts in a row delivered
    ///   nothing, or something that is not Fieldbook answered, or `timeout` ran out (the
    ///   message says what was kept and how many changes wait), or the transport failed
    ///   in a way no retry mends (the server's certificate cannot be trusted), `.badToken` /
    ///   `.scopeDenied` / `.unsupportedVersion` as the server answered.
    @discardableResult
    public func run(progress report: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let started = ContinuousClock.now
        var progress = Progress()
        var machine = SyncStateMachine(
            replica: store.replicaID, server: try store.peerKnowledge(Fieldbook.serverPeer), scope: try storedScope(),
            sizes: try options.sizes ?? storedSizes() ?? .standard,
            settings: .init(retry: options.retry, fixedSizes: options.sizes != nil, largest: options.largest),
            seed: options.seed ?? UInt64.random(in: 0...UInt64.max))
        var action = machine.start(local: try store.knowledge())
        loop: while true {
            if let timeout = options.timeout, ContinuousClock.now - started > timeout {
                throw try stopped("the sync ran out of its --timeout", progress: progress)
            }
            switch action {
            case .send(let plan):
                action = try await round(plan, machine: &machine, progress: &progress, report: report)
                progress.seconds = seconds(since: started)
            case .backOff(let delay, let note):
                try remember(machine.sizes)
                progress.retries += 1
                progress.retrying = .init(reason: note.reason, attempt: note.attempt, delay: delay.seconds)
                report(progress)
                progress.retrying = nil
                try await sleep(delay)
                action = machine.retry(local: try store.knowledge())
            case .finish:
                break loop
            case .giveUp(let reason):
                try remember(machine.sizes)
                throw try stopped("server unreachable (\(reason))", progress: progress)
            case .fail(let error):
                try remember(machine.sizes)
                throw error
            }
        }
        try remember(machine.sizes)
        progress.unsendable = try Fieldbook(store: store).unsyncedChanges().localOnly
        progress.conflicts = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts WHERE resolved_time IS NULL AND deleted = 0") ?? 0
        }
        try store.setSetting("server.last_sync", Fieldbook.isoTime(wallClock.milliseconds()))
        progress.seconds = seconds(since: started)
        return progress
    }

    /// One round: assemble the push, send it, merge the answer's frames as they arrive,
    /// and ask the machine what next.
    func round(
        _ plan: SyncStateMachine.RoundPlan, machine: inout SyncStateMachine, progress: inout Progress,
        report: @escaping @Sendable (Progress) -> Void
    ) async throws -> SyncStateMachine.Action {
        let local = try store.knowledge()
        // Declares this replica's own unconfirmed re-stamped changes missing, so the
        // answer carries the server's versions of them to compare.
        let open = RoundOpen(
            schemaVersion: UInt32(store.schema.version), replica: store.replicaID,
            clientTime: wallClock.milliseconds(), knowledge: try store.roundKnowledge(holding: local),
            frameBytes: UInt32(clamping: plan.sizes.frameBytes),
            roundBytes: UInt32(clamping: plan.sizes.roundBytes), publicKey: try store.signingKey().publicKey)
        var body = WireFormat.frame(.roundOpen(open))
        var pushedRanges: [StreamRange] = []
        var pushed = 0
        var pushHasMore = false
        if plan.pushes {
            var assembler = FrameAssembler(peer: plan.pushBase, partitions: plan.writable)
            var size = 0
            var frames = 0
            var batches: [ChangeBatch] = []
            while size < plan.sizes.roundBytes && frames < plan.pushFrames {
                frames += 1
                let push = try store.nextFrame(&assembler, byteBudget: plan.sizes.frameBytes)
                guard !push.batch.isEmpty else { break }
                batches.append(push.batch)
                size += push.batch.changes.reduce(0) { $0 + $1.approximateSize }
                pushed += push.batch.changes.count
                pushedRanges += push.batch.ranges
                pushHasMore = push.hasMore
                guard push.hasMore, !push.batch.ranges.isEmpty else { break }
            }
            // Signed, each frame to its range's end, in one transaction: the server binds
            // this replica's key to its token and refuses its changes without a
            // certificate of that key.
            for batch in try store.proving(batches) { body += WireFormat.frame(.changes(batch)) }
        }
        machine.sending(ranges: pushedRanges, hasMore: pushHasMore)

        let before = progress
        let receiver = RoundReceiver(
            store: store,
            onHead: { [self] head in
                try accept(SyncScope(head.writablePartitions))
                // The keys the server bound for the origins it sends: a bundle that later
                // presents another key for one of them is refused.
                do {
                    try store.pin(head.originKeys)
                } catch let error as FieldbookError where error.code == .forged {
                    throw FieldbookError(
                        .forged,
                        "the server's answer names a key for a replica that differs from the one this laptop pinned (\(error.message)); check the server URL, and tell the office"
                    )
                }
                try store.setPeerKnowledge(Fieldbook.serverPeer, head.knowledge)
            },
            onFrame: { receiver in
                var now = before
                now.frames += receiver.framesMerged
                now.received += receiver.received
                now.bytesDown += receiver.bytes
                now.expected = max(now.expected, now.received)
                report(now)
            })
        var networkFailure: String?
        do {
            try await exchange(body, receiver: receiver)
        } catch {
            if let failure = receiver.localFailure { throw failure }
            if let unrecoverable = error as? UnrecoverableTransportError { throw unrecoverable.error }
            networkFailure = Self.describe(networkError: error, received: receiver.bytes)
        }
        // Frames that came whole are kept however the answer ended (a cut, a stall).
        try receiver.finish()
        progress.bytesUp += body.count
        progress.bytesDown += receiver.bytes
        progress.frames += receiver.framesMerged
        progress.received += receiver.received
        if let head = receiver.head {
            var lacking: UInt64 = 0
            for stream in head.knowledge.streams where head.knowledge[stream] > local[stream] {
                lacking += head.knowledge[stream] - local[stream]
            }
            progress.expected = before.received + Int(clamping: lacking)
            progress.sent += pushed
            progress.clockOffset = Int64(head.serverTime) - Int64(wallClock.milliseconds())
            progress.quarantined = quarantined(head.quarantined, local: local)
            for start in machine.opened(head, wallClock: wallClock.milliseconds()) {
                let count = try store.restamp(start.stream, from: start.sequence)
                progress.restamped += count
                machine.restamped(start.stream, count: count)
            }
            if receiver.framesMerged > 0 { machine.frameMerged() }
        }
        progress.expected = max(progress.expected, progress.received)
        let now = try store.knowledge()
        // An answer that arrived whole counts even if the connection then failed to close.
        if let end = receiver.end, receiver.isComplete, receiver.refusal == nil {
            progress.rounds += 1
            report(progress)
            return machine.ended(end, conflicts: receiver.conflicts, local: now)
        }
        if let error = receiver.errorAnswer { return machine.failed(.refused(error), local: now) }
        if let description = receiver.foreignDescription, networkFailure == nil {
            return machine.failed(.foreign(status: receiver.status ?? 0, description: description), local: now)
        }
        let reason =
            networkFailure
            ?? (receiver.end == nil
                ? "connection dropped after \(Self.kilobytes(receiver.bytes))"
                : "the answer's frames do not add up; it was damaged on the way")
        return machine.failed(.network(reason), local: now)
    }

    /// Posts the round, with a watchdog that ends a connection on which nothing arrives.
    func exchange(_ body: [UInt8], receiver: RoundReceiver) async throws {
        guard options.idleTimeout != nil || options.frameTimeout != nil else {
            try await transport.post(body, token: token) { try await receiver.take($0) }
            return
        }
        let transport = transport
        let token = token
        let idle = options.idleTimeout
        let frame = options.frameTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await transport.post(body, token: token) { try await receiver.take($0) }
            }
            group.addTask {
                try await Self.watch(receiver, idle: idle, frame: frame)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Throws once no byte arrived for `idle`, or no whole frame for `frame`.
    static func watch(_ receiver: RoundReceiver, idle: Duration?, frame: Duration?) async throws {
        let tick = min(idle ?? .seconds(1), frame ?? .seconds(1), .seconds(1))
        while true {
            try await Task.sleep(for: tick)
            let (lastByte, lastFrame) = receiver.activity.withLock { $0 }
            let now = ContinuousClock.now
            if let idle, now - lastByte > idle {
                throw Stalled(reason: "no byte arrived for \(idle.seconds.formatted()) s")
            }
            if let frame, now - lastFrame > frame {
                throw Stalled(reason: "the link is too slow (no whole frame in \(frame.seconds.formatted()) s)")
            }
        }
    }

    struct Stalled: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// The error a sync that stops early ends with: what it kept and what waits.
    func stopped(_ reason: String, progress: Progress) throws -> FieldbookError {
        let waiting = try Fieldbook(store: store).unsyncedChanges().waiting
        let kept = progress.received > 0 ? "kept the \(progress.received) changes received; " : ""
        return FieldbookError(.unavailable, "\(reason); \(kept)\(waiting) changes wait for the next sync")
    }

    /// A short human reason for a network failure.
    static func describe(networkError error: any Error, received: Int) -> String {
        if let stalled = error as? Stalled { return stalled.reason }
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return "connection refused" }
        if text.contains("connecttimeout") || text.contains("connect timeout") { return "connection timed out" }
        if text.contains("readtimeout") || text.contains("deadline") || text.contains("timeout") {
            return "no answer in time"
        }
        if text.contains("dns") || text.contains("resolve") || text.contains("lookup") {
            return "server name not found"
        }
        if let error = error as? FieldbookError { return error.message }
        return "connection dropped after \(kilobytes(received))"
    }

    static func kilobytes(_ bytes: Int) -> String {
        bytes < 1024 ? "\(bytes) bytes" : "\(bytes / 1024) KB"
    }

    func quarantined(_ starts: [StreamStart], local: Knowledge) -> Int {
        starts.reduce(0) { $0 + Int(local[$1.stream] - min(local[$1.stream], $1.sequence - 1)) }
    }

    /// The scope remembered for this client's token; unknown for a token never used here.
    func storedScope() throws -> SyncScope {
        guard try store.setting(SyncScope.tokenKey) == SyncScope.tokenID(of: token) else { return .unknown }
        return try store.setting(SyncScope.settingKey).map(SyncScope.init(storedForm:)) ?? .unknown
    }

    /// Remembers the scope an answer's head announces, unless it widens the remembered one.
    ///
    /// - Throws: `.scopeDenied` for a widening: the head is refused before anything of
    ///   its answer merges.
    func accept(_ announced: SyncScope) throws {
        let stored = try storedScope()
        guard stored.admits(announced) else {
            throw FieldbookError(
                .scopeDenied,
                "the server's answer widens this laptop's token from \(stored.summary) to \(announced.summary), which a token never does; nothing was merged. Check that `fieldbook remote` names your office's server; if the office gave you a new token, set it with `fieldbook remote set URL --token TOKEN`"
            )
        }
        let tokenID = SyncScope.tokenID(of: token)
        if try store.setting(SyncScope.settingKey) != announced.storedForm
            || store.setting(SyncScope.tokenKey) != tokenID
        {
            try store.setSetting(SyncScope.settingKey, announced.storedForm)
            try store.setSetting(SyncScope.tokenKey, tokenID)
        }
    }

    func storedSizes() throws -> LinkSizes? {
        try store.setting(LinkSizes.settingKey).flatMap(LinkSizes.init(storedForm:))
    }

    /// Keeps the link sizes for the next sync, so a laptop on a bad link starts small.
    func remember(_ sizes: LinkSizes) throws {
        guard options.sizes == nil, try storedSizes() != sizes else { return }
        try store.setSetting(LinkSizes.settingKey, sizes.storedForm)
    }

    func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).seconds
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
