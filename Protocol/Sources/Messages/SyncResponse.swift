import FieldbookCore

/// The server's answer to one ``SyncRequest``: what it took in, what it holds, and a
/// bounded batch of what the client lacks.
public struct SyncResponse: Hashable, Sendable {
    /// The server's replica ID.
    public var server: ReplicaID
    /// The server's physical clock, Unix milliseconds, when it answered: the client warns
    /// its user when its own clock is far off.
    public var serverTime: UInt64
    /// What the server holds now (after merging the pushed batch), restricted to the
    /// partitions the client's token opens. The client pushes what is above this.
    public var knowledge: Knowledge
    /// Counts of what the pushed batch did on the server.
    public var accepted: MergeSummary
    /// Streams of the client's own changes the server quarantined for clock skew: the
    /// first sequence held back in each.
    public var quarantined: [StreamStart]
    /// Changes the client lacks, bounded in bytes.
    public var batch: ChangeBatch
    /// Whether the server holds more changes the client lacks.
    public var hasMore: Bool
    /// The partitions the client's token may push, sorted; `nil` when it may push every
    /// partition (an office token). Clients keep changes of other partitions local
    /// instead of having a whole push refused.
    public var writablePartitions: [PartitionID]?

    /// A response from its parts.
    public init(
        server: ReplicaID, serverTime: UInt64, knowledge: Knowledge, accepted: MergeSummary,
        quarantined: [StreamStart] = [], batch: ChangeBatch, hasMore: Bool, writablePartitions: [PartitionID]? = nil
    ) {
        self.server = server
        self.serverTime = serverTime
        self.knowledge = knowledge
        self.accepted = accepted
        self.quarantined = quarantined
        self.batch = batch
        self.hasMore = hasMore
        self.writablePartitions = writablePartitions.map { Set($0).sorted() }
    }
}
