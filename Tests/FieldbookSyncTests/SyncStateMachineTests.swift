import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookSync
import Testing

/// The client's round logic, driven with made-up events: no transport, no store.
struct SyncStateMachineTests {
    static let laptop = ReplicaID(Bytes16(high: 0xA1, low: 1))
    static let server = ReplicaID(Bytes16(high: 0x5E, low: 1))
    static let cohort = PartitionID(Bytes16(high: 0xC0, low: 1))
    static let own = StreamID(partition: cohort, origin: laptop)
    static let now: UInt64 = 1_709_341_200_000

    static func machine(
        scope: SyncScope = .all, sizes: LinkSizes = .standard, maxAttempts: Int = 4, fixed: Bool = false
    ) -> SyncStateMachine {
        SyncStateMachine(
            replica: laptop, server: Knowledge(), scope: scope, sizes: sizes,
            settings: .init(retry: RetryPolicy(maxAttempts: maxAttempts), fixedSizes: fixed), seed: 7)
    }

    static func head(
        knowledge: Knowledge = Knowledge(), quarantined: [StreamStart] = [], writable: [PartitionID]? = nil,
        serverTime: UInt64 = now
    ) -> RoundHead {
        RoundHead(
            server: server, serverTime: serverTime, knowledge: knowledge, accepted: MergeSummary(),
            quarantined: quarantined, writablePartitions: writable)
    }

    static func plan(_ action: SyncStateMachine.Action) -> SyncStateMachine.RoundPlan? {
        if case .send(let plan) = action { return plan }
        return nil
    }

    @Test
    func aFirstSyncPullsFirstThenPushesThenFinishes() throws {
        var machine = Self.machine(scope: .unknown)
        let first = try #require(Self.plan(machine.start(local: Knowledge())))
        #expect(!first.pushes, "the scope is unknown: the first round only pulls")
        machine.sending(ranges: [], hasMore: false)
        _ = machine.opened(Self.head(writable: [Self.cohort]), wallClock: Self.now)
        #expect(machine.scope == .only([Self.cohort]))
        let second = try #require(
            Self.plan(machine.ended(RoundEnd(hasMore: false, frames: 0, changes: 0), conflicts: 0, local: Knowledge())))
        #expect(second.pushes && second.writable == [Self.cohort])
        machine.sending(ranges: [], hasMore: false)
        _ = machine.opened(Self.head(writable: [Self.cohort]), wallClock: Self.now)
        guard
            case .finish = machine.ended(
                RoundEnd(hasMore: false, frames: 0, changes: 0), conflicts: 0, local: Knowledge())
        else {
            Issue.record("a round that pushed everything and pulled everything ends the sync")
            return
        }
    }

    @Test
    func moreToPullConflictsOrAPushThatDidNotFitMeanAnotherRound() throws {
        for (hasMore, conflicts, pushHasMore) in [(true, 0, false), (false, 1, false), (false, 0, true)] {
            var machine = Self.machine()
            _ = machine.start(local: Knowledge())
            machine.sending(ranges: [StreamRange(stream: Self.own, after: 0, through: 5)], hasMore: pushHasMore)
            _ = machine.opened(Self.head(), wallClock: Self.now)
            let next = machine.ended(
                RoundEnd(hasMore: hasMore, frames: 1, changes: 5), conflicts: conflicts, local: Knowledge())
            #expect(Self.plan(next) != nil, "hasMore \(hasMore), conflicts \(conflicts), push left \(pushHasMore)")
        }
    }

    /// Every failure halves the sizes and waits; a failed push is followed by a round
    /// that only pulls (its head says what landed); a completed round doubles the sizes.
    @Test
    func failuresShrinkProbeAndBackOffSuccessesGrow() throws {
        var machine = Self.machine()
        _ = machine.start(local: Knowledge())
        machine.sending(ranges: [StreamRange(stream: Self.own, after: 0, through: 50)], hasMore: false)
        guard
            case .backOff(let delay, let note) = machine.failed(
                .network("connection dropped after 41 KB"), local: Knowledge())
        else {
            Issue.record("a network failure backs off")
            return
        }
        #expect(note.reason == "connection dropped after 41 KB" && note.attempt == 2 && delay <= .milliseconds(500))
        #expect(machine.sizes == LinkSizes.standard.shrunk())
        let probe = try #require(Self.plan(machine.retry(local: Knowledge())))
        #expect(probe.pushFrames == 1, "after a push cut before its head, the next round pushes one frame")
        machine.sending(ranges: [], hasMore: false)
        _ = machine.opened(
            Self.head(knowledge: Knowledge([Self.cohort: VersionVector([Self.laptop: 30])])), wallClock: Self.now)
        let resumed = try #require(
            Self.plan(machine.ended(RoundEnd(hasMore: false, frames: 0, changes: 0), conflicts: 0, local: Knowledge())))
        #expect(
            resumed.pushFrames == .max && resumed.pushBase[Self.own] == 30,
            "the push resumes from what the server holds")
        #expect(machine.sizes == LinkSizes.standard.shrunk().grown(upTo: .largest))
    }

    @Test
    func sizesNeverGoBelowTheSmallestNorAboveTheLargest() {
        var sizes = LinkSizes.standard
        for _ in 0..<30 { sizes = sizes.shrunk() }
        #expect(sizes == .smallest)
        for _ in 0..<30 { sizes = sizes.grown(upTo: .largest) }
        #expect(sizes == .largest)
        #expect(LinkSizes(storedForm: LinkSizes.standard.storedForm) == .standard)
        #expect(LinkSizes(storedForm: "garbage") == nil && LinkSizes(storedForm: "0,5") == nil)
    }

    /// Attempts that deliver nothing, in a row, end the sync; any whole frame resets the
    /// count, so a link that always drops but always delivers something never gives up.
    @Test
    func onlyAttemptsWithoutProgressInARowGiveUp() {
        var machine = Self.machine(maxAttempts: 3)
        _ = machine.start(local: Knowledge())
        for _ in 0..<100 {
            machine.sending(ranges: [], hasMore: false)
            _ = machine.opened(Self.head(), wallClock: Self.now)
            machine.frameMerged()
            guard case .backOff = machine.failed(.network("connection dropped"), local: Knowledge()) else {
                Issue.record("an attempt that delivered frames must not count toward giving up")
                return
            }
            _ = machine.retry(local: Knowledge())
        }
        machine.frameMerged()
        var outcomes: [String] = []
        for _ in 0..<3 {
            machine.sending(ranges: [], hasMore: false)
            switch machine.failed(.network("connection refused"), local: Knowledge()) {
            case .backOff: outcomes.append("backOff")
            case .giveUp(let reason): outcomes.append("giveUp: \(reason)")
            default: outcomes.append("other")
            }
            _ = machine.retry(local: Knowledge())
        }
        #expect(outcomes == ["backOff", "backOff", "giveUp: connection refused"])
    }

    @Test
    func fixedSizesNeverChange() {
        let fixed = LinkSizes(frameBytes: 2048, roundBytes: 8192)
        var machine = Self.machine(sizes: fixed, fixed: true)
        _ = machine.start(local: Knowledge())
        _ = machine.failed(.network("cut"), local: Knowledge())
        _ = machine.failed(.refused(FieldbookError(.tooLarge, "too large")), local: Knowledge())
        _ = machine.ended(RoundEnd(hasMore: true, frames: 1, changes: 1), conflicts: 0, local: Knowledge())
        #expect(machine.sizes == fixed)
    }

    @Test
    func refusalsAreResumedRetriedOrFinal() throws {
        var gap = Self.machine()
        _ = gap.start(local: Knowledge())
        let resume = StreamRange(stream: Self.own, after: 3, through: 9)
        var error = FieldbookError(.sequenceGap, "gap")
        error.resume = resume
        let resumed = try #require(Self.plan(gap.failed(.refused(error), local: Knowledge())))
        #expect(resumed.pushBase[Self.own] == 3)

        var large = Self.machine()
        _ = large.start(local: Knowledge())
        #expect(Self.plan(large.failed(.refused(FieldbookError(.tooLarge, "413")), local: Knowledge())) != nil)
        #expect(large.sizes == LinkSizes.standard.shrunk())

        var corrupt = Self.machine()
        _ = corrupt.start(local: Knowledge())
        #expect(Self.plan(corrupt.failed(.refused(FieldbookError(.corrupt, "crc")), local: Knowledge())) != nil)
        guard case .fail(let second) = corrupt.failed(.refused(FieldbookError(.corrupt, "crc")), local: Knowledge())
        else {
            Issue.record("a second corrupt answer stops the sync")
            return
        }
        #expect(second.code == .corrupt)

        for code in [FieldbookError.Code.badToken, .scopeDenied, .unsupportedVersion, .clockSkew] {
            var machine = Self.machine()
            _ = machine.start(local: Knowledge())
            guard case .fail(let final) = machine.failed(.refused(FieldbookError(code, "no")), local: Knowledge())
            else {
                Issue.record("\(code) is final")
                continue
            }
            #expect(final.code == code)
        }
        var busy = Self.machine()
        _ = busy.start(local: Knowledge())
        guard case .backOff = busy.failed(.refused(FieldbookError(.unavailable, "503")), local: Knowledge()) else {
            Issue.record("503 is retried")
            return
        }
    }

    /// Something that is not Fieldbook answered: a captive portal's page is final
    /// ("unavailable", saying what answered); a proxy's 502 page is retried.
    @Test
    func foreignAnswers() {
        var portal = Self.machine()
        _ = portal.start(local: Knowledge())
        guard
            case .fail(let error) = portal.failed(
                .foreign(status: 200, description: "HTTP 200, a text/html page titled 'Wi-Fi'"), local: Knowledge())
        else {
            Issue.record("a captive portal stops the sync")
            return
        }
        #expect(error.code == .unavailable && error.message.contains("titled 'Wi-Fi'"))
        var proxy = Self.machine()
        _ = proxy.start(local: Knowledge())
        guard case .backOff = proxy.failed(.foreign(status: 502, description: "HTTP 502"), local: Knowledge()) else {
            Issue.record("a proxy's 502 page is retried")
            return
        }
    }

    /// The server holds our changes back (our clock was ahead): once our clock agrees
    /// with the server's, the machine asks for a re-stamp of our own streams, once; other
    /// origins' held streams are only kept out of the push.
    @Test
    func quarantinedStreamsAreHeldBackAndOursReStampedOnce() throws {
        let relayed = StreamID(partition: Self.cohort, origin: ReplicaID(Bytes16(high: 0xB2, low: 2)))
        var machine = Self.machine()
        _ = machine.start(local: Knowledge())
        machine.sending(ranges: [], hasMore: false)
        let quarantined = [StreamStart(stream: Self.own, sequence: 4), StreamStart(stream: relayed, sequence: 2)]
        let ahead = machine.opened(
            Self.head(quarantined: quarantined, serverTime: Self.now - 3_600_000), wallClock: Self.now)
        #expect(ahead.isEmpty, "our clock is an hour ahead: nothing is re-stamped yet")
        var local = Knowledge()
        local[Self.own] = 9
        local[relayed] = 5
        let held = try #require(
            Self.plan(machine.ended(RoundEnd(hasMore: true, frames: 0, changes: 0), conflicts: 0, local: local)))
        #expect(held.pushBase[Self.own] == 9 && held.pushBase[relayed] == 5, "held-back streams are not pushed again")

        machine.sending(ranges: [], hasMore: false)
        let agreed = machine.opened(Self.head(quarantined: quarantined), wallClock: Self.now)
        #expect(agreed == [StreamStart(stream: Self.own, sequence: 4)])
        machine.restamped(Self.own, count: 6)
        let pushAgain = try #require(
            Self.plan(machine.ended(RoundEnd(hasMore: false, frames: 0, changes: 0), conflicts: 0, local: local)))
        #expect(pushAgain.pushBase[Self.own] == 0, "re-stamped changes go up again")
        machine.sending(ranges: [StreamRange(stream: Self.own, after: 3, through: 9)], hasMore: false)
        #expect(
            machine.opened(Self.head(quarantined: quarantined), wallClock: Self.now).isEmpty, "re-stamped once per sync"
        )
    }
}
