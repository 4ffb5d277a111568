import Fieldbook
import FieldbookCore
import FieldbookProtocol

/// The client's half of sync as decisions without I/O: it is told what happened (a round
/// opened, frames merged, the round ended or failed) and answers with what to do next
/// (send a round, back off, finish, fail). ``SyncClient`` drives it over a transport and
/// the store; tests drive it with made-up events.
///
/// It keeps the client's picture of the server (what the server holds, what the token may
/// write, which streams it holds back for clock skew), the link sizes, and the count of
/// attempts that made no progress: a sync gives up only after that many attempts in a row
/// delivered nothing, so a link that drops every few KB still finishes.
public struct SyncStateMachine: Sendable {
    /// What the driver does next.
    public enum Action: Sendable {
        /// Send a round as planned.
        case send(RoundPlan)
        /// Wait, then call ``retry(local:)``.
        case backOff(Duration, RetryNote)
        /// The sync is complete.
        case finish
        /// Attempts in a row made no progress: the server is unreachable.
        case giveUp(reason: String)
        /// The server refused the sync: show the error.
        case fail(FieldbookError)
    }

    /// What the next round carries.
    public struct RoundPlan: Sendable, Equatable {
        /// Whether it pushes: not before the token's scope is known.
        public var pushes: Bool
        /// The most push frames it carries: one right after a push that failed before its
        /// head arrived (it may have landed in part; this round's head says what did, and
        /// at most that one frame goes up twice), else no limit.
        public var pushFrames: Int
        /// What the server holds as far as the client knows, with held-back streams raised
        /// to what the client holds (they are not pushed again): push what is above.
        public var pushBase: Knowledge
        /// The partitions the token may push (`nil`: all).
        public var writable: Set<PartitionID>?
        /// The link sizes for this round.
        public var sizes: LinkSizes
    }

    /// Why an attempt is retried, for the progress line.
    public struct RetryNote: Sendable, Equatable {
        /// What went wrong, e.g. "connection dropped after 41 KB".
        public var reason: String
        /// The attempt that comes next, from 2.
        public var attempt: Int
        /// How long the client waits first.
        public var delay: Duration
    }

    /// How an attempt failed.
    public enum Failure: Sendable {
        /// No answer, or an answer cut short: a network failure, a stalled link.
        case network(String)
        /// The server refused the round with a typed error.
        case refused(FieldbookError)
        /// Something that is not a Fieldbook server answered (a captive portal, a proxy).
        case foreign(status: Int, description: String)
    }

    /// Settings that do not change during a sync.
    public struct Settings: Sendable {
        /// Backoff and the number of attempts in a row without progress before giving up.
        public var retry: RetryPolicy
        /// Sizes never change when fixed by the user (`--frame-bytes`, `--round-bytes`).
        public var fixedSizes: Bool
        /// The most successes grow the sizes to.
        public var largest: LinkSizes

        public init(retry: RetryPolicy = RetryPolicy(), fixedSizes: Bool = false, largest: LinkSizes = .largest) {
            self.retry = retry
            self.fixedSizes = fixedSizes
            self.largest = largest
        }
    }

    /// What the server holds, as far as the client knows.
    public private(set) var server: Knowledge
    /// What the token may push.
    public private(set) var scope: SyncScope
    /// The frame and round sizes now.
    public private(set) var sizes: LinkSizes
    let settings: Settings
    let replica: ReplicaID
    private var random: SeededRandom
    /// Streams the server holds back (quarantine): not pushed again in this sync.
    private var held: Set<StreamID> = []
    /// Re-stamped streams not pushed since: the server still lists them as quarantined.
    private var restampedUnsent: Set<StreamID> = []
    private var restampedOnce = false
    private var restampedThisRound = false
    private var gaps = 0
    private var resentCorrupt = false
    private var attemptsWithoutProgress = 0
    /// The last push failed before its head arrived: what landed is unknown.
    private var cautious = false
    private var plannedPush = false
    private var pushed = false
    /// Whether this round's head arrived: it says what of the push landed.
    private var headArrived = false
    private var pushHasMore = false
    private var pushedStreams: Set<StreamID> = []

    /// A machine starting from what the replica remembers of the server.
    public init(
        replica: ReplicaID, server: Knowledge, scope: SyncScope, sizes: LinkSizes, settings: Settings = Settings(),
        seed: UInt64 = UInt64.random(in: 0...UInt64.max)
    ) {
        self.replica = replica
        self.server = server
        self.scope = scope
        self.sizes = sizes
        self.settings = settings
        self.random = SeededRandom(seed: seed)
    }

    /// The first round.
    public mutating func start(local: Knowledge) -> Action {
        .send(plan(local: local))
    }

    /// The round about to be sent pushes these ranges, and more remains when `hasMore`.
    public mutating func sending(ranges: [StreamRange], hasMore: Bool) {
        headArrived = false
        pushed = !ranges.isEmpty
        pushHasMore = hasMore
        pushedStreams = Set(ranges.map(\.stream))
    }

    /// The round's head arrived: the server's knowledge and scope after the push.
    ///
    /// - Returns: the client's own quarantined streams to re-stamp now (its clock agrees
    ///   with the server's again), each from the first sequence held back.
    public mutating func opened(_ head: RoundHead, wallClock now: UInt64) -> [StreamStart] {
        attemptsWithoutProgress = 0
        headArrived = true
        cautious = false
        server = head.knowledge
        scope = SyncScope(head.writablePartitions)
        restampedUnsent.subtract(pushedStreams)
        for start in head.quarantined where !restampedUnsent.contains(start.stream) {
            held.insert(start.stream)
        }
        let own = head.quarantined.filter { $0.stream.origin == replica }
        let clockAgrees = head.serverTime + HybridClock.defaultMaximumDrift / 2 >= now
        restampedThisRound = !own.isEmpty && clockAgrees && !restampedOnce
        guard restampedThisRound else { return [] }
        restampedOnce = true
        return own
    }

    /// A stream was re-stamped from its quarantined start: `count` changes got new stamps.
    public mutating func restamped(_ stream: StreamID, count: Int) {
        // A stream with nothing to re-stamp (it left in a bundle) stays held back.
        guard count > 0 else { return }
        held.remove(stream)
        restampedUnsent.insert(stream)
    }

    /// A frame was merged: the attempt made progress.
    public mutating func frameMerged() {
        attemptsWithoutProgress = 0
    }

    /// The round ended whole.
    ///
    /// - Parameters:
    ///   - end: its last frame.
    ///   - conflicts: conflicts its merges found (their ledger entries are pushed next).
    ///   - local: what the client holds now.
    public mutating func ended(_ end: RoundEnd, conflicts: Int, local: Knowledge) -> Action {
        attemptsWithoutProgress = 0
        cautious = false
        if !settings.fixedSizes { sizes = sizes.grown(upTo: settings.largest) }
        let pushedAll = plannedPush && !pushHasMore
        if pushedAll && !end.hasMore && !restampedThisRound && conflicts == 0 { return .finish }
        restampedThisRound = false
        return .send(plan(local: local))
    }

    /// The attempt failed.
    public mutating func failed(_ failure: Failure, local: Knowledge) -> Action {
        restampedThisRound = false
        switch failure {
        case .refused(let error):
            switch error.code {
            case .sequenceGap where gaps < 8:
                // The server holds less of a stream than we remembered (restored from a
                // backup?): resume that stream where it says and go on.
                gaps += 1
                if let resume = error.resume { server[resume.stream] = resume.after }
                return .send(plan(local: local))
            case .tooLarge where !settings.fixedSizes && sizes != LinkSizes.smallest:
                // A proxy or the server takes less than we sent: smaller rounds.
                sizes = sizes.shrunk()
                return .send(plan(local: local))
            case .corrupt where !resentCorrupt:
                // Damaged on the way: send it once more.
                resentCorrupt = true
                return .send(plan(local: local))
            case .unavailable, .storage, .internal:
                return retryAfterFailure(error.message)
            default:
                return .fail(error)
            }
        case .foreign(let status, let description):
            guard RetryPolicy.isRetryable(status: status) else {
                return .fail(
                    FieldbookError(
                        .unavailable,
                        "the server address answered with something that is not Fieldbook (\(description)); if this network has a sign-in page, sign in and sync again, else check the server URL"
                    ))
            }
            return retryAfterFailure(description)
        case .network(let reason):
            return retryAfterFailure(reason)
        }
    }

    private mutating func retryAfterFailure(_ reason: String) -> Action {
        if !settings.fixedSizes { sizes = sizes.shrunk() }
        // A push cut before its head arrived may have landed in part: the next round
        // pushes one frame only, and its head says what the server holds. A round that only
        // asked would cost no duplicate, but a link that cuts every second connection could
        // then starve the push: with one frame, every answered round moves it on.
        if pushed && !headArrived { cautious = true }
        attemptsWithoutProgress += 1
        guard attemptsWithoutProgress < settings.retry.maxAttempts else { return .giveUp(reason: reason) }
        let delay = settings.retry.delay(attempt: attemptsWithoutProgress, using: &random)
        return .backOff(delay, RetryNote(reason: reason, attempt: attemptsWithoutProgress + 1, delay: delay))
    }

    /// The next attempt, after backing off.
    public mutating func retry(local: Knowledge) -> Action {
        .send(plan(local: local))
    }

    private mutating func plan(local: Knowledge) -> RoundPlan {
        var base = server
        for stream in held { base[stream] = local[stream] }
        if case .only = scope {
            // A facilitator's token pushes its own replica's streams only (the server
            // cannot check another origin's changes until origins are signed): changes
            // relayed from a bundle wait for their author's own sync.
            for stream in local.streams where stream.origin != replica { base[stream] = local[stream] }
        }
        let pushes = scope != .unknown
        plannedPush = pushes && !cautious
        return RoundPlan(
            pushes: pushes, pushFrames: cautious ? 1 : .max, pushBase: base, writable: scope.partitions, sizes: sizes)
    }
}
