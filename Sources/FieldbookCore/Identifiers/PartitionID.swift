/// The partition a replicated row belongs to: a cohort, or the shared reference partition.
///
/// Access control and sync bookkeeping (version vectors) are kept per partition, so a
/// facilitator's replica holds and exchanges only the cohorts it was issued for.
public struct PartitionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The sixteen bytes: the cohort's row ID, or zero for the shared partition.
    public var rawValue: Bytes16

    /// Wraps sixteen bytes as a partition ID.
    public init(_ rawValue: Bytes16) {
        self.rawValue = rawValue
    }

    /// The partition of a cohort: the cohort's own row ID.
    public init(cohort: RowID) {
        self.rawValue = cohort.rawValue
    }

    /// Reference data every replica may read: programmes and venues.
    public static let shared = PartitionID(.zero)

    /// Whether this is the shared reference partition.
    public var isShared: Bool { self == .shared }

    /// `shared`, or the cohort's row ID in canonical form.
    public var description: String {
        isShared ? "shared" : RowID(rawValue).description
    }

    public static func < (lhs: PartitionID, rhs: PartitionID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
