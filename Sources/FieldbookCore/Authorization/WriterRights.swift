/// What the sender of a batch may write: the partitions it may change and the streams it
/// may vouch for.
///
/// A server builds it from the device token that pushed; a laptop merging the server's
/// reply or a bundle uses ``WriterRights/anyPartition`` (it holds only partitions it was
/// given, and checks every row's partition all the same).
public struct WriterRights: Hashable, Sendable {
    /// The partitions the sender may write; `nil` for every partition, shared included.
    public var partitions: Set<PartitionID>?
    /// The only origin whose streams the sender may push; `nil` for any origin.
    ///
    /// Without signed origins a replica cannot prove a relayed change is genuine, so a
    /// facilitator's token may push only its own replica's streams: otherwise it could
    /// invent changes, or a range far ahead, under another replica's origin, and that
    /// replica's real writes would later be dropped as duplicates.
    public var origin: ReplicaID?
    /// Who the sender is, for refusal messages: `token 'wang-shanghai'`, `the server`.
    public var name: String

    /// Rights from their parts.
    public init(partitions: Set<PartitionID>?, origin: ReplicaID?, name: String) {
        self.partitions = partitions
        self.origin = origin
        self.name = name
    }

    /// Every partition, any origin: the office's token, or what a laptop grants the
    /// server's reply and a bundle (rows are still checked against their partitions).
    public static func anyPartition(name: String) -> WriterRights {
        WriterRights(partitions: nil, origin: nil, name: name)
    }

    /// Whether the sender may write every partition, the shared one included.
    public var writesEverything: Bool { partitions == nil }

    /// Whether the sender may write `partition`.
    public func mayWrite(_ partition: PartitionID) -> Bool {
        partitions.map { $0.contains(partition) } ?? true
    }

    /// Whether the sender may push changes written by `origin`.
    public func mayPush(from origin: ReplicaID) -> Bool {
        self.origin.map { $0 == origin } ?? true
    }
}
