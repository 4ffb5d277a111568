import FieldbookCore

/// Exponential backoff with full jitter for network failures and 5xx answers.
///
/// Full jitter (a random delay between zero and the exponential cap) keeps many
/// facilitators who lost the network together from retrying in lockstep when it returns.
public struct RetryPolicy: Sendable {
    /// How many times a round is tried before the sync gives up.
    public var maxAttempts: Int
    /// The cap of the first retry's delay.
    public var initialDelay: Duration
    /// The largest delay.
    public var maximumDelay: Duration

    public init(
        maxAttempts: Int = 6, initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30)
    ) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay before retry number `attempt` (1 for the first retry).
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(attempt - 1, 20)
        let cap = min(initialDelay * (1 << exponent), maximumDelay)
        let capNanoseconds = max(1, cap.components.seconds * 1_000_000_000 + cap.components.attoseconds / 1_000_000_000)
        return .nanoseconds(Int64.random(in: 0...capNanoseconds, using: &generator))
    }

    /// Whether an HTTP status is worth retrying (the server or a proxy failed, not us).
    public static func isRetryable(status: Int) -> Bool {
        status >= 500 || status == 408 || status == 429
    }
}
