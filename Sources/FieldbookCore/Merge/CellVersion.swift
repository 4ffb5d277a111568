/// One version of a cell: its value and the stamps that decide merges and conflicts.
public struct CellVersion: Hashable, Sendable {
    /// When and by whom the value was written.
    public var stamp: Stamp
    /// The version it overwrote on its author's replica, if any.
    public var previous: Stamp?
    /// The value.
    public var value: Value

    /// A version from its parts.
    public init(stamp: Stamp, previous: Stamp?, value: Value) {
        self.stamp = stamp
        self.previous = previous
        self.value = value
    }
}
