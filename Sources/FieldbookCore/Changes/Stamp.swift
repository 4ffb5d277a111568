/// The unique, totally ordered timestamp of one write: its hybrid clock reading, with
/// ties broken by the replica that made it.
public struct Stamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The hybrid clock reading.
    public var time: HLC
    /// The replica that wrote.
    public var origin: ReplicaID

    /// A stamp from its parts.
    public init(time: HLC, origin: ReplicaID) {
        self.time = time
        self.origin = origin
    }

    /// `time@origin-short`.
    public var description: String { "\(time)@\(origin.short)" }

    public static func < (lhs: Stamp, rhs: Stamp) -> Bool {
        lhs.time != rhs.time ? lhs.time < rhs.time : lhs.origin < rhs.origin
    }
}
