/// Chooses the bounded batch of changes a peer lacks: the other half of sync. One batch
/// on its own; ``FrameAssembler`` cuts a whole round into frames and keeps its place.
public enum BatchAssembler {
    /// The result of assembling one batch.
    public struct Assembly: Sendable {
        /// The batch to send.
        public var batch: ChangeBatch
        /// Whether the peer still lacks changes after this batch.
        public var hasMore: Bool

        /// An assembly from its parts.
        public init(batch: ChangeBatch, hasMore: Bool) {
            self.batch = batch
            self.hasMore = hasMore
        }
    }

    /// Assembles the next batch of changes `peer` lacks.
    ///
    /// - Parameters:
    ///   - source: the local log.
    ///   - local: what the local replica holds (its ``Knowledge``).
    ///   - peer: what the peer holds.
    ///   - partitions: the partitions the peer may receive; `nil` for all.
    ///   - byteBudget: the approximate size the batch may reach; at least one change is
    ///     always included so every round makes progress.
    /// - Complexity: O(k log s) for k changes chosen from s streams, plus one read per
    ///   stream touched and chunk consumed.
    public static func assemble(
        from source: some ChangeSource, local: Knowledge, peer: Knowledge,
        partitions: Set<PartitionID>? = nil, byteBudget: Int
    ) throws -> Assembly {
        var assembler = FrameAssembler(local: local, peer: peer, partitions: partitions)
        return try assembler.next(from: source, byteBudget: byteBudget)
    }
}
