import FieldbookCommandLine
import FieldbookCore
import Testing

/// `compact --older-than DAYS` on both CLIs: days back from now, never below zero, never
/// a trap on a huge number.
struct CompactionCutoffTests {
    @Test func daysBackFromNow() throws {
        let now: UInt64 = 1_709_340_000_000
        #expect(try CompactionCutoff.days(0, before: now) == now)
        #expect(try CompactionCutoff.days(30, before: now) == now - 30 * 86_400_000)
        #expect(try CompactionCutoff.days(1_000_000, before: now) == 0, "before the epoch: nothing is older")
        #expect(try CompactionCutoff.days(.max, before: now) == 0, "an overflowing span is no trap")
    }

    @Test func negativeDaysAreAUsageError() {
        let error = #expect(throws: FieldbookError.self) { try CompactionCutoff.days(-1, before: 1) }
        #expect(error?.code == .usage)
    }
}
