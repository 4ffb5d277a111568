import FieldbookCore

/// The first frame of a framed sync answer (format version 2): what the push did and what
/// the server holds. Change frames follow, then a ``RoundEnd``.
public struct RoundHead: Hashable, Sendable {
    /// The server's replica ID.
    public var server: ReplicaID
    /// The server's physical clock, Unix milliseconds, when it answered.
    public var serverTime: UInt64
    /// What the server holds after merging the push, restricted to the token's partitions.
    public var knowledge: Knowledge
    /// Counts of what the pushed frames did on the server, all frames together.
    public var accepted: MergeSummary
    /// Streams of the client's own changes the server quarantined for clock skew: the
    /// first sequence held back in each.
    public var quarantined: [StreamStart]
    /// The partitions the client's token may push, sorted; `nil` for every partition.
    public var writablePartitions: [PartitionID]?
    /// The public keys of the origins whose streams the answer proves (format 3 on), as
    /// bound to their tokens: the client pins each the first time and refuses another
    /// key for the same origin later.
    public var originKeys: [ReplicaID: OriginPublicKey]

    /// A head from its parts.
    public init(
        server: ReplicaID, serverTime: UInt64, knowledge: Knowledge, accepted: MergeSummary,
        quarantined: [StreamStart] = [], writablePartitions: [PartitionID]? = nil,
        originKeys: [ReplicaID: OriginPublicKey] = [:]
    ) {
        self.originKeys = originKeys
        self.server = server
        self.serverTime = serverTime
        self.knowledge = knowledge
        self.accepted = accepted
        self.quarantined = quarantined
        self.writablePartitions = writablePartitions.map { Set($0).sorted() }
    }
}
