/// What a replica holds of one partition: for each origin, the highest sequence number
/// up to which it holds every change (or knows it was compacted away as superseded).
///
/// Vectors are stored on their own, not derived from the log, so they stay exact after
/// compaction; sync sends exactly the changes above the peer's vector.
public struct VersionVector: Hashable, Sendable {
    /// Highest contiguous sequence held, per origin. Absent means zero.
    public private(set) var entries: [ReplicaID: UInt64]

    /// An empty vector: nothing held.
    public init(_ entries: [ReplicaID: UInt64] = [:]) {
        self.entries = entries.filter { $0.value > 0 }
    }

    /// The highest contiguous sequence held from `origin` (0 when none).
    public subscript(origin: ReplicaID) -> UInt64 {
        get { entries[origin] ?? 0 }
        set { entries[origin] = newValue == 0 ? nil : newValue }
    }

    /// Whether the change `sequence` of `origin` is held.
    public func contains(origin: ReplicaID, sequence: UInt64) -> Bool {
        sequence <= self[origin]
    }

    /// Takes the larger entry for every origin.
    public mutating func merge(_ other: VersionVector) {
        for (origin, sequence) in other.entries where sequence > self[origin] {
            self[origin] = sequence
        }
    }

    /// A copy holding the larger entry for every origin.
    public func merging(_ other: VersionVector) -> VersionVector {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// Whether this vector holds at least everything `other` holds.
    public func dominates(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { self[$0.key] >= $0.value }
    }

    /// The total number of changes counted.
    public var total: UInt64 { entries.values.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 } }

    /// The origins in a stable order.
    public var origins: [ReplicaID] { entries.keys.sorted() }
}
