/// What merging a batch did, in counts.
public struct MergeSummary: Hashable, Sendable {
    /// Changes that became the winner of their cell.
    public var applied: UInt32
    /// Changes that arrived already superseded.
    public var superseded: UInt32
    /// Changes already held, skipped.
    public var duplicates: UInt32
    /// Concurrent losers recorded in the conflict ledger.
    public var conflicts: UInt32
    /// Changes held back for clock skew.
    public var quarantined: UInt32
    /// Changes for tables or columns the receiver does not know yet, kept.
    public var unknown: UInt32

    /// A summary from its parts.
    public init(
        applied: UInt32 = 0, superseded: UInt32 = 0, duplicates: UInt32 = 0, conflicts: UInt32 = 0,
        quarantined: UInt32 = 0, unknown: UInt32 = 0
    ) {
        self.applied = applied
        self.superseded = superseded
        self.duplicates = duplicates
        self.conflicts = conflicts
        self.quarantined = quarantined
        self.unknown = unknown
    }
}
