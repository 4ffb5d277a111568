/// The identity of one replica: sixteen random bytes made by `fieldbook init`, never reused.
///
/// Replica IDs break ties between writes with the same hybrid timestamp, so every write
/// in the system has a unique place in one total order.
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The sixteen bytes.
    public var rawValue: Bytes16

    /// Wraps sixteen bytes as a replica ID.
    public init(_ rawValue: Bytes16) {
        self.rawValue = rawValue
    }

    /// The replica that authors the built-in reference data every replica starts with.
    ///
    /// Genesis changes are identical on every replica (same origin, sequence and
    /// timestamp), so they never conflict and never need to travel.
    public static let genesis = ReplicaID(.zero)

    /// A new random replica ID.
    public static func random(using generator: inout some RandomNumberGenerator) -> ReplicaID {
        ReplicaID(Bytes16(high: generator.next(), low: generator.next()))
    }

    /// 32 lowercase hexadecimal digits.
    public var description: String { rawValue.hex }

    /// The first eight hexadecimal digits, for people.
    public var short: String { String(rawValue.hex.prefix(8)) }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
