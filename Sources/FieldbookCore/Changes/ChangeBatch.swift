/// A bounded set of changes one replica sends another, with the promise that makes
/// version vectors exact across compaction.
///
/// For every stream in ``ranges`` the sender vouches that the changes it holds with
/// sequence in `(after, through]` are all in ``changes``; any missing sequence there was
/// compacted away as superseded. So a receiver whose vector for the stream is at least
/// `after` may raise it to `through` once the batch is applied.
public struct ChangeBatch: Hashable, Sendable {
    /// The changes, in the order they should be applied (hybrid time order).
    public var changes: [Change]
    /// The stream ranges this batch covers.
    public var ranges: [StreamRange]

    /// A batch from its parts.
    public init(changes: [Change] = [], ranges: [StreamRange] = []) {
        self.changes = changes
        self.ranges = ranges
    }

    /// Whether the batch carries nothing at all.
    public var isEmpty: Bool { changes.isEmpty && ranges.isEmpty }
}

/// The sequence numbers of one stream that a batch covers: `(after, through]`.
public struct StreamRange: Hashable, Sendable {
    /// The stream.
    public var stream: StreamID
    /// The last sequence the receiver must already hold.
    public var after: UInt64
    /// The last sequence the batch covers.
    public var through: UInt64

    /// A range from its parts.
    public init(stream: StreamID, after: UInt64, through: UInt64) {
        self.stream = stream
        self.after = after
        self.through = through
    }
}
