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
    /// The origins' proofs of the ranges (at most one per stream): a receiver that checks
    /// signed chains refuses a range it cannot prove (``ChainVerifier``).
    public var proofs: [StreamProof]

    /// A batch from its parts.
    public init(changes: [Change] = [], ranges: [StreamRange] = [], proofs: [StreamProof] = []) {
        self.changes = changes
        self.ranges = ranges
        self.proofs = proofs
    }

    /// Whether the batch carries nothing at all.
    public var isEmpty: Bool { changes.isEmpty && ranges.isEmpty }

    /// The batch that releases quarantined changes: for each stream, the quarantined
    /// changes that continue contiguously from what is `held`, in sequence order. Changes
    /// after a hole (a sequence never received) stay quarantined until it is filled.
    public static func releasing(_ quarantined: [Change], above held: Knowledge) -> ChangeBatch {
        var byStream: [StreamID: [Change]] = [:]
        for change in quarantined { byStream[change.stream, default: []].append(change) }
        var batch = ChangeBatch()
        for (stream, changes) in byStream.sorted(by: { $0.key < $1.key }) {
            var next = held[stream] + 1
            var released: [Change] = []
            for change in changes.sorted(by: { $0.sequence < $1.sequence }) where change.sequence == next {
                released.append(change)
                next += 1
            }
            guard let last = released.last else { continue }
            batch.changes += released
            batch.ranges.append(StreamRange(stream: stream, after: held[stream], through: last.sequence))
        }
        return batch
    }
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
