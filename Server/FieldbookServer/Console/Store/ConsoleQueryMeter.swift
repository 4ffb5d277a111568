import Synchronization

/// Counts the statements a console store runs and the time they take, so a page's
/// database cost can be read off (the benchmark prints it, the tests bound it).
///
/// Always on: one lock and two additions per statement, next to a database round trip.
///
/// ```swift
/// let before = store.meter.reading
/// _ = try await store.cohortGrid(id)
/// print(store.meter.reading - before)   // 5 statements, 41 ms
/// ```
public final class ConsoleQueryMeter: Sendable {
    /// Statements run and the time spent in them.
    public struct Reading: Sendable, Hashable, CustomStringConvertible {
        public var statements = 0
        public var seconds = 0.0

        /// What was run between two readings.
        public static func - (later: Reading, earlier: Reading) -> Reading {
            Reading(statements: later.statements - earlier.statements, seconds: later.seconds - earlier.seconds)
        }

        public var description: String {
            "\(statements) statements, \(Int((seconds * 1000).rounded())) ms"
        }
    }

    private let state = Mutex(Reading())

    public init() {}

    /// Everything counted so far.
    public var reading: Reading { state.withLock { $0 } }

    /// Runs `body` (one statement, or a read that runs `statements` of them) and counts it.
    func measure<T>(statements: Int = 1, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.withLock {
                $0.statements += statements
                $0.seconds += seconds
            }
        }
        return try await body()
    }

    /// Counts statements run inside a read that ``measure(statements:_:)`` timed already.
    func count(_ statements: Int) {
        state.withLock { $0.statements += statements }
    }
}
