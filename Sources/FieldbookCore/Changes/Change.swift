/// One write to one cell of a replicated row: the unit that is logged, merged and synced.
///
/// A change names its cell (`partition`, `table`, `key`, `column`), carries the new
/// value, and says who wrote it and when (`stamp`), where it sits in its origin's log
/// for this partition (`sequence`), and which value it overwrote on its author's
/// replica (`previous`). `previous` is how concurrent writes are told apart from
/// overwrites made with knowledge of the old value.
public struct Change: Hashable, Sendable, CustomStringConvertible {
    /// The partition (cohort or shared) the row belongs to.
    public var partition: PartitionID
    /// The replicated table.
    public var table: String
    /// The row's key.
    public var key: RowKey
    /// The column; ``Change/deletedColumn`` for the row's tombstone register.
    public var column: String
    /// The new value.
    public var value: Value
    /// When and by whom it was written.
    public var stamp: Stamp
    /// The position in the origin's log for this partition, counting from 1 with no gaps.
    public var sequence: UInt64
    /// The stamp of the value this write replaced on its author's replica, if any.
    public var previous: Stamp?

    /// The tombstone column every replicated table has: 1 when the row is deleted.
    public static let deletedColumn = "deleted"

    /// A change from its parts.
    public init(
        partition: PartitionID, table: String, key: RowKey, column: String, value: Value,
        stamp: Stamp, sequence: UInt64, previous: Stamp?
    ) {
        self.partition = partition
        self.table = table
        self.key = key
        self.column = column
        self.value = value
        self.stamp = stamp
        self.sequence = sequence
        self.previous = previous
    }

    /// The replica that wrote the change.
    public var origin: ReplicaID { stamp.origin }

    /// The cell the change writes.
    public var cell: CellAddress { CellAddress(table: table, key: key, column: column) }

    /// The log stream the change belongs to.
    public var stream: StreamID { StreamID(partition: partition, origin: stamp.origin) }

    /// The change's version of its cell, for merge decisions.
    public var version: CellVersion { CellVersion(stamp: stamp, previous: previous, value: value) }

    /// An approximation of the encoded size, for bounding batches before encoding:
    /// calibrated on the wire format, where an attendance mark takes about 14 bytes
    /// before compression (7 after).
    public var approximateSize: Int { 6 + value.approximateSize }

    /// The smallest ``approximateSize`` a change can have (a NULL value).
    public static let minimumApproximateSize = 7

    public var description: String {
        "\(table).\(column)[\(key)]=\(value) \(stamp) #\(sequence) prev=\(previous.map(String.init(describing:)) ?? "-")"
    }
}

/// One cell: a column of a row of a table.
public struct CellAddress: Hashable, Sendable, Comparable {
    /// The replicated table.
    public var table: String
    /// The row's key.
    public var key: RowKey
    /// The column.
    public var column: String

    /// A cell address from its parts.
    public init(table: String, key: RowKey, column: String) {
        self.table = table
        self.key = key
        self.column = column
    }

    public static func < (lhs: CellAddress, rhs: CellAddress) -> Bool {
        (lhs.table, lhs.column) != (rhs.table, rhs.column)
            ? (lhs.table, lhs.column) < (rhs.table, rhs.column) : lhs.key < rhs.key
    }
}

/// The changes one origin wrote in one partition: a log with contiguous sequence numbers.
public struct StreamID: Hashable, Sendable, Comparable {
    /// The partition.
    public var partition: PartitionID
    /// The replica whose writes these are.
    public var origin: ReplicaID

    /// A stream from its parts.
    public init(partition: PartitionID, origin: ReplicaID) {
        self.partition = partition
        self.origin = origin
    }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        lhs.partition != rhs.partition ? lhs.partition < rhs.partition : lhs.origin < rhs.origin
    }
}
