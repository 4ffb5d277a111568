import FieldbookCore

/// The first frame of a framed bundle file (format version 2): who wrote it, for which
/// vector, and how many frames and changes follow, so a file cut short is found out and
/// the receiver can say how much of it it took in.
///
/// `Changes` frames follow, then a ``RoundEnd`` that counts them again.
public struct BundleHead: Hashable, Sendable {
    /// The data schema version of the replica that wrote the bundle.
    public var schemaVersion: UInt32
    /// The replica that wrote it.
    public var author: ReplicaID
    /// When it was written, the author's Unix milliseconds.
    public var createdAt: UInt64
    /// What the author held when it wrote the bundle, so the receiver can answer with
    /// a bundle of exactly what the author lacks.
    public var knowledge: Knowledge
    /// The vector the bundle was made for (the peer's vector file, or what every replica
    /// starts with): each stream the bundle carries starts right after its entry here.
    public var base: Knowledge
    /// How many `Changes` frames follow.
    public var frames: UInt64
    /// How many changes those frames carry.
    public var changes: UInt64
    /// The public keys of the origins whose streams the frames prove (format 3 on): the
    /// author's own, and those it pinned from its server for the streams it relays.
    public var originKeys: [ReplicaID: OriginPublicKey]

    /// A head from its parts.
    public init(
        schemaVersion: UInt32, author: ReplicaID, createdAt: UInt64, knowledge: Knowledge, base: Knowledge,
        frames: UInt64, changes: UInt64, originKeys: [ReplicaID: OriginPublicKey] = [:]
    ) {
        self.originKeys = originKeys
        self.schemaVersion = schemaVersion
        self.author = author
        self.createdAt = createdAt
        self.knowledge = knowledge
        self.base = base
        self.frames = frames
        self.changes = changes
    }

    /// The streams the bundle carries: those the author holds more of than `base`. Each
    /// has a range in the frames that starts after `base`'s entry.
    public var carriedStreams: [StreamID] {
        knowledge.streams.filter { knowledge[$0] > base[$0] }
    }
}
