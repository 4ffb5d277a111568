import FieldbookCore
import FieldbookTestSupport
import Testing

struct BatchMergerTests {
    typealias M = Make
    static let now: UInt64 = 1_709_341_200_000
    static let policy = BatchMerger.Policy(sender: M.a, now: now)

    /// Three changes of replica A's stream in the shared partition, to three cells.
    static func stream(_ count: Int = 3, origin: ReplicaID = M.a, start: UInt64 = now - 1_000) -> [Change] {
        (1...count).map { index in
            M.change(
                M.cell(UInt64(index)), .text("v\(index)"), at: M.stamp(start + UInt64(index), origin),
                sequence: UInt64(index))
        }
    }

    @discardableResult
    static func expectError(
        _ code: FieldbookError.Code, merging batch: ChangeBatch, into target: MemoryReplica,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> FieldbookError? {
        let before = target.mutations
        let clock = target.clock
        let error = #expect(throws: FieldbookError.self, sourceLocation: sourceLocation) {
            _ = try BatchMerger.merge(batch, into: target, policy: Self.policy)
        }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(target.mutations == before, "a refused batch writes nothing", sourceLocation: sourceLocation)
        #expect(target.clock == clock, "a refused batch does not move the clock", sourceLocation: sourceLocation)
        return error
    }

    // MARK: Validation

    @Test func rangeThatEndsBeforeItStartsIsCorrupt() {
        let changes = Self.stream()
        let batch = ChangeBatch(
            changes: changes, ranges: [StreamRange(stream: changes[0].stream, after: 3, through: 2)])
        Self.expectError(.corrupt, merging: batch, into: MemoryReplica(M.b))
    }

    @Test func repeatedRangeForOneStreamIsCorrupt() {
        let changes = Self.stream()
        let range = StreamRange(stream: changes[0].stream, after: 0, through: 3)
        Self.expectError(
            .corrupt, merging: ChangeBatch(changes: changes, ranges: [range, range]), into: MemoryReplica(M.b))
    }

    @Test(arguments: [
        ("change above the range", UInt64(0), UInt64(2)),
        ("change at the range's start", UInt64(1), UInt64(3)),
    ])
    func changeOutsideItsRangeIsCorrupt(_ name: String, after: UInt64, through: UInt64) {
        let changes = Self.stream()
        let batch = ChangeBatch(
            changes: changes, ranges: [StreamRange(stream: changes[0].stream, after: after, through: through)])
        let target = MemoryReplica(M.b)
        target.held[changes[0].stream] = after
        Self.expectError(.corrupt, merging: batch, into: target)
    }

    @Test func changeWithoutAnyRangeIsCorrupt() {
        let changes = Self.stream()
        let other = StreamID(partition: .shared, origin: M.c)
        Self.expectError(
            .corrupt,
            merging: ChangeBatch(changes: changes, ranges: [StreamRange(stream: other, after: 0, through: 3)]),
            into: MemoryReplica(M.b))
    }

    @Test func streamOutOfOrderIsCorrupt() {
        var changes = Self.stream()
        changes.swapAt(1, 2)
        Self.expectError(.corrupt, merging: M.batch(changes, after: 0, through: 3), into: MemoryReplica(M.b))
    }

    @Test func repeatedSequenceIsCorrupt() {
        let changes = Self.stream()
        Self.expectError(
            .corrupt, merging: M.batch([changes[0], changes[0]], after: 0, through: 1), into: MemoryReplica(M.b))
    }

    @Test func rangeStartingAboveWhatIsHeldIsAGapWithWhereToResume() throws {
        let changes = Self.stream(6)
        let target = MemoryReplica(M.b)
        target.held[changes[0].stream] = 2
        let error = Self.expectError(.sequenceGap, merging: M.batch(Array(changes[4...]), after: 4), into: target)
        let resume = try #require(error?.resume)
        #expect(resume == StreamRange(stream: changes[0].stream, after: 2, through: 6))
    }

    @Test func gapInOneStreamRefusesTheWholeBatch() {
        let first = Self.stream(2, origin: M.a)
        let second = Self.stream(4, origin: M.c)
        let batch = ChangeBatch(
            changes: first + Array(second[2...]),
            ranges: [
                StreamRange(stream: first[0].stream, after: 0, through: 2),
                StreamRange(stream: second[0].stream, after: 2, through: 4),
            ])
        let target = MemoryReplica(M.b)
        Self.expectError(.sequenceGap, merging: batch, into: target)
        #expect(target.winners.isEmpty)
        #expect(target.held.isEmpty)
    }

    // MARK: Merging

    @Test func appliesNewChangesAndRaisesTheVector() throws {
        let changes = Self.stream()
        let target = MemoryReplica(M.b)
        let report = try BatchMerger.merge(M.batch(changes, after: 0), into: target, policy: Self.policy)
        #expect(report.applied == 3)
        #expect(report.received == 3)
        #expect(target.held[changes[0].stream] == 3)
        #expect(target.winners[M.cell(2)]?.value == .text("v2"))
        #expect(target.clock.last == changes[2].stamp.time, "receiving advances the clock")
    }

    @Test func resendingABatchIsCountedAsDuplicatesAndChangesNothing() throws {
        let changes = Self.stream()
        let target = MemoryReplica(M.b)
        let batch = M.batch(changes, after: 0)
        _ = try BatchMerger.merge(batch, into: target, policy: Self.policy)
        let winners = target.winners
        let mutations = target.mutations
        let again = try BatchMerger.merge(batch, into: target, policy: Self.policy)
        #expect(again.duplicates == 3)
        #expect(again.received == 0)
        #expect(target.winners == winners)
        #expect(target.mutations == mutations)
    }

    @Test func overlappingBatchSkipsWhatIsHeldAndAppliesTheRest() throws {
        let changes = Self.stream(5)
        let target = MemoryReplica(M.b)
        _ = try BatchMerger.merge(M.batch(Array(changes[..<3]), after: 0), into: target, policy: Self.policy)
        let report = try BatchMerger.merge(M.batch(Array(changes[1...]), after: 1), into: target, policy: Self.policy)
        #expect(report.duplicates == 2)
        #expect(report.applied == 2)
        #expect(target.held[changes[0].stream] == 5)
    }

    @Test func rangeBeyondTheLastChangeCountsCompactedSequencesAsHeld() throws {
        let changes = Self.stream(2)
        let target = MemoryReplica(M.b)
        _ = try BatchMerger.merge(M.batch(changes, after: 0, through: 7), into: target, policy: Self.policy)
        #expect(target.held[changes[0].stream] == 7)
    }

    @Test func concurrentLoserGoesToTheLedgerWhicheverArrivesFirst() throws {
        let fromA = M.change(M.cell(), .text("present"), at: M.stamp(Self.now - 10, M.a), sequence: 1)
        let fromC = M.change(M.cell(), .text("absent"), at: M.stamp(Self.now - 5, M.c), sequence: 1)
        for order in [[fromA, fromC], [fromC, fromA]] {
            let target = MemoryReplica(M.b)
            var report = BatchMerger.Report()
            for change in order {
                report.add(try BatchMerger.merge(M.batch([change], after: 0), into: target, policy: Self.policy))
            }
            #expect(target.winners[M.cell()]?.value == .text("absent"))
            #expect(report.conflicts == 1)
            #expect(target.conflicts.map(\.loser) == [fromA.version])
        }
    }

    @Test func concurrentWritesToTheLedgerItselfAreNotRecordedAsConflicts() throws {
        // Two replicas resolved the same entry while apart: they disagree on when.
        let cell = M.cell(1, ConflictEntry.Column.resolvedTime, table: ConflictEntry.table)
        let first = M.change(cell, .integer(10), at: M.stamp(Self.now - 10, M.a), sequence: 1)
        let second = M.change(cell, .integer(20), at: M.stamp(Self.now - 5, M.c), sequence: 1)
        let target = MemoryReplica(M.b)
        _ = try BatchMerger.merge(M.batch([first], after: 0), into: target, policy: Self.policy)
        let report = try BatchMerger.merge(M.batch([second], after: 0), into: target, policy: Self.policy)
        #expect(report.applied == 1)
        #expect(report.conflicts == 0)
        #expect(target.conflicts.isEmpty)
        #expect(target.winners[cell]?.value == .integer(20), "last writer wins")
    }

    @Test func knowingOverwriteIsNoConflict() throws {
        let first = M.change(M.cell(), .text("present"), at: M.stamp(Self.now - 10, M.a), sequence: 1)
        let second = M.change(
            M.cell(), .text("late"), at: M.stamp(Self.now - 5, M.c), sequence: 1, previous: first.stamp)
        let target = MemoryReplica(M.b)
        _ = try BatchMerger.merge(M.batch([first], after: 0), into: target, policy: Self.policy)
        let report = try BatchMerger.merge(M.batch([second], after: 0), into: target, policy: Self.policy)
        #expect(report.applied == 1)
        #expect(report.conflicts == 0)
        let late = try BatchMerger.merge(M.batch([first], after: 0), into: MemoryReplica(M.c), policy: Self.policy)
        #expect(late.conflicts == 0)
    }

    @Test func olderChangeArrivingLateIsSupersededNotApplied() throws {
        let first = M.change(M.cell(), .text("present"), at: M.stamp(Self.now - 10, M.a), sequence: 1)
        let second = M.change(
            M.cell(), .text("late"), at: M.stamp(Self.now - 5, M.c), sequence: 1, previous: first.stamp)
        let target = MemoryReplica(M.b)
        _ = try BatchMerger.merge(M.batch([second], after: 0), into: target, policy: Self.policy)
        let report = try BatchMerger.merge(M.batch([first], after: 0), into: target, policy: Self.policy)
        #expect(report.superseded == 1)
        #expect(report.conflicts == 0)
        #expect(target.winners[M.cell()]?.value == .text("late"))
        #expect(target.log[first.stream]?[1] == first, "kept in the log for forwarding")
    }

    @Test func unknownColumnsAreHeldCountedAndNotMaterialized() throws {
        let changes = [
            M.change(M.cell(1, "name"), .text("x"), at: M.stamp(Self.now - 3, M.a), sequence: 1),
            M.change(M.cell(1, "colour"), .text("red"), at: M.stamp(Self.now - 2, M.a), sequence: 2),
        ]
        let target = MemoryReplica(M.b, known: ["items.name"])
        let report = try BatchMerger.merge(M.batch(changes, after: 0), into: target, policy: Self.policy)
        #expect(report.unknown == 1)
        #expect(report.applied == 1)
        #expect(target.pending == [changes[1]])
        #expect(target.winners[M.cell(1, "colour")] == nil)
        #expect(target.held[changes[0].stream] == 2, "held changes are counted, so they are forwarded")
    }

    // MARK: Clock skew

    @Test func senderStampedBeyondTheBoundIsQuarantinedWithTheRestOfItsStream() throws {
        let days = UInt64(3 * 86_400_000)
        let changes = [
            M.change(M.cell(1), .text("ok"), at: M.stamp(Self.now, M.a), sequence: 1),
            M.change(M.cell(2), .text("fast"), at: M.stamp(Self.now + days, M.a), sequence: 2),
            M.change(M.cell(3), .text("fine again"), at: M.stamp(Self.now + 1, M.a, counter: 1), sequence: 3),
        ]
        let target = MemoryReplica(M.b, clock: HybridClock(last: HLC(milliseconds: Self.now - 100)))
        let report = try BatchMerger.merge(M.batch(changes, after: 0), into: target, policy: Self.policy)
        #expect(report.applied == 1)
        #expect(report.quarantined == 2)
        #expect(target.held[changes[0].stream] == 1, "nothing after the held-back change is counted")
        #expect(target.quarantined[changes[0].stream]?.keys.sorted() == [2, 3])
        #expect(target.clock.last.milliseconds <= Self.now + HybridClock.defaultMaximumDrift)
        #expect(target.winners[M.cell(2)] == nil)
    }

    @Test func relayedChangesAreNotCheckedAgainstTheBound() throws {
        let ahead = M.change(M.cell(1), .text("x"), at: M.stamp(Self.now + 86_400_000, M.c), sequence: 1)
        let target = MemoryReplica(M.b)
        let report = try BatchMerger.merge(M.batch([ahead], after: 0), into: target, policy: Self.policy)
        #expect(report.applied == 1)
        #expect(target.clock.last == HLC(milliseconds: Self.now + HybridClock.defaultMaximumDrift), "clamped")
    }

    @Test func acceptSkewedMergesAndClampsTheClock() throws {
        let ahead = M.change(M.cell(1), .text("x"), at: M.stamp(Self.now + 86_400_000, M.a), sequence: 1)
        let target = MemoryReplica(M.b)
        target.quarantined[ahead.stream] = [1: ahead]
        let report = try BatchMerger.merge(
            M.batch([ahead], after: 0), into: target,
            policy: BatchMerger.Policy(sender: M.a, now: Self.now, acceptSkewed: true))
        #expect(report.applied == 1)
        #expect(target.held[ahead.stream] == 1)
        #expect(target.quarantined[ahead.stream]?.isEmpty ?? true, "released changes leave the quarantine")
        #expect(target.clock.last == HLC(milliseconds: Self.now + HybridClock.defaultMaximumDrift))
    }
}
