/// The key of a replicated row: one row ID, or a pair of them.
///
/// Most rows are keyed by their own UUIDv7. Attendance is keyed by `(event, participant)`
/// so that two facilitators marking the same person at the same event edit one record
/// instead of creating two. Held inline (no heap allocation) because every change has one.
public struct RowKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first (or only) part of the key.
    public var first: RowID
    /// The second part of a pair key.
    public var second: RowID?

    /// A key of one row ID.
    public init(_ id: RowID) {
        self.first = id
        self.second = nil
    }

    /// A key of two row IDs, in order.
    public init(_ first: RowID, _ second: RowID) {
        self.first = first
        self.second = second
    }

    /// Parses 16 or 32 bytes.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 16:
            guard let first = Bytes16(bytes: bytes) else { return nil }
            self.init(RowID(first))
        case 32:
            guard let first = Bytes16(bytes: bytes[0..<16]), let second = Bytes16(bytes: bytes[16..<32]) else {
                return nil
            }
            self.init(RowID(first), RowID(second))
        default:
            return nil
        }
    }

    /// How many IDs the key holds (1 or 2).
    public var count: Int { second == nil ? 1 : 2 }

    /// The parts in order.
    public var parts: [RowID] { second.map { [first, $0] } ?? [first] }

    /// The key as 16 or 32 bytes.
    public var bytes: [UInt8] { parts.flatMap(\.rawValue.bytes) }

    /// The parts in canonical form joined by `/`.
    public var description: String { parts.map(\.description).joined(separator: "/") }

    public static func < (lhs: RowKey, rhs: RowKey) -> Bool {
        if lhs.first != rhs.first { return lhs.first < rhs.first }
        switch (lhs.second, rhs.second) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case (let left?, let right?): return left < right
        }
    }
}
