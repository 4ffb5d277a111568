import FieldbookCore
import FieldbookTestSupport
import Testing

struct HybridClockTests {
    static let now: UInt64 = 1_709_341_200_000
    static let drift = HybridClock.defaultMaximumDrift

    static func tick(_ clock: inout HybridClock, now: UInt64) -> HLC {
        clock.tick(now: now)
    }

    @Test func tickTakesPhysicalTimeWhenItIsAhead() {
        var clock = HybridClock(last: HLC(milliseconds: Self.now - 10, counter: 9))
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now))
        #expect(clock.last == HLC(milliseconds: Self.now))
    }

    @Test func tickCountsWithinOneMillisecondAndWhenTimeGoesBack() {
        var clock = HybridClock()
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now, counter: 0))
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now, counter: 1))
        // The laptop's clock was set back an hour: readings keep increasing.
        #expect(Self.tick(&clock, now: Self.now - 3_600_000) == HLC(milliseconds: Self.now, counter: 2))
    }

    @Test func counterOverflowBorrowsTheNextMillisecond() {
        var clock = HybridClock(last: HLC(milliseconds: Self.now, counter: .max))
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now + 1, counter: 0))
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now + 1, counter: 1))
        // Physical time catches up with the borrowed millisecond, then passes it.
        #expect(Self.tick(&clock, now: Self.now + 1) == HLC(milliseconds: Self.now + 1, counter: 2))
        #expect(Self.tick(&clock, now: Self.now + 2) == HLC(milliseconds: Self.now + 2, counter: 0))
    }

    @Test func sixtyFiveThousandEventsInOneMillisecondStayUniqueAndOrdered() {
        var clock = HybridClock()
        var previous = HLC.zero
        for _ in 0..<70_000 {
            let reading = clock.tick(now: Self.now)
            #expect(reading > previous)
            previous = reading
        }
        #expect(previous.milliseconds == Self.now + 1)
    }

    @Test(arguments: Seeds.list(default: 10))
    func readingsAreStrictlyIncreasingWhateverHappens(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var clock = HybridClock()
        var physical = Self.now
        var previous = HLC.zero
        for step in 0..<2_000 {
            // Time jitters forward, stalls and jumps back; remote readings arrive from near and far.
            physical = physical &+ UInt64.random(in: 0...3, using: &random) &- (random.next() % 50 == 0 ? 5_000 : 0)
            let reading: HLC
            switch random.next() % 4 {
            case 0:
                let remote = HLC(
                    milliseconds: physical + UInt64.random(in: 0...(2 * Self.drift), using: &random),
                    counter: UInt16.random(in: 0...UInt16.max, using: &random))
                clock.observe(remote, now: physical)
                reading = clock.tick(now: physical)
                if clock.accepts(remote, now: physical) {
                    #expect(reading > remote, "seed \(seed) step \(step): tick after observing \(remote)")
                }
            default:
                reading = clock.tick(now: physical)
            }
            #expect(reading > previous, "seed \(seed) step \(step): \(reading) after \(previous)")
            previous = reading
        }
    }

    @Test func observeAdvancesSoTheNextTickSortsAfterTheRemote() {
        var clock = HybridClock(last: HLC(milliseconds: Self.now))
        let remote = HLC(milliseconds: Self.now + 60_000, counter: 4)
        let observed = clock.observe(remote, now: Self.now)
        #expect(observed)
        #expect(clock.last == remote)
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now + 60_000, counter: 5))
    }

    @Test func observeOfAnOlderReadingChangesNothing() {
        var clock = HybridClock(last: HLC(milliseconds: Self.now, counter: 2))
        let observed = clock.observe(HLC(milliseconds: Self.now - 1), now: Self.now)
        #expect(observed)
        #expect(clock.last == HLC(milliseconds: Self.now, counter: 2))
    }

    @Test(
        arguments: [
            (0, true),
            (HybridClock.defaultMaximumDrift, true),
            (HybridClock.defaultMaximumDrift + 1, false),
            (3 * 24 * 3_600_000, false),
        ] as [(UInt64, Bool)])
    func observeRefusesReadingsBeyondTheDriftBound(ahead: UInt64, accepted: Bool) {
        let start = HLC(milliseconds: Self.now, counter: 1)
        var clock = HybridClock(last: start)
        let remote = HLC(milliseconds: Self.now + ahead, counter: 9)
        #expect(clock.accepts(remote, now: Self.now) == accepted)
        let observed = clock.observe(remote, now: Self.now)
        #expect(observed == accepted)
        #expect(clock.last == (accepted ? max(start, remote) : start))
    }

    @Test func maximumDriftIsConfigurable() {
        var clock = HybridClock(last: .zero, maximumDrift: 1_000)
        let beyond = clock.observe(HLC(milliseconds: Self.now + 1_001), now: Self.now)
        let within = clock.observe(HLC(milliseconds: Self.now + 1_000), now: Self.now)
        #expect(!beyond)
        #expect(within)
    }

    @Test func clampedObserveMovesNoFurtherThanTheBound() {
        var clock = HybridClock(last: HLC(milliseconds: Self.now))
        clock.observeClamped(HLC(milliseconds: Self.now + 3 * 24 * 3_600_000), now: Self.now)
        #expect(clock.last == HLC(milliseconds: Self.now + Self.drift))

        var within = HybridClock(last: HLC(milliseconds: Self.now))
        within.observeClamped(HLC(milliseconds: Self.now + 1_000, counter: 3), now: Self.now)
        #expect(within.last == HLC(milliseconds: Self.now + 1_000, counter: 3))

        var behind = HybridClock(last: HLC(milliseconds: Self.now, counter: 5))
        behind.observeClamped(HLC(milliseconds: Self.now - 1_000), now: Self.now)
        #expect(behind.last == HLC(milliseconds: Self.now, counter: 5))
    }

    @Test func resetReturnsToPhysicalTime() {
        var clock = HybridClock(last: HLC(milliseconds: Self.now + 86_400_000))
        clock.reset(now: Self.now)
        #expect(clock.last == HLC(milliseconds: Self.now))
        #expect(Self.tick(&clock, now: Self.now) == HLC(milliseconds: Self.now, counter: 1))
    }
}
