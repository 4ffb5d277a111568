import FieldbookCore

/// Changes carried between replicas with no server: a file on a USB stick or sent over
/// a chat app. Importing a bundle is idempotent, like a sync round.
public struct Bundle: Hashable, Sendable {
    /// The data schema version of the replica that wrote the bundle.
    public var schemaVersion: UInt32
    /// The replica that wrote it.
    public var author: ReplicaID
    /// When it was written, the author's Unix milliseconds.
    public var createdAt: UInt64
    /// What the author held when it wrote the bundle, so the receiver can answer with
    /// a bundle of exactly what the author lacks.
    public var knowledge: Knowledge
    /// The changes, with the stream ranges they cover.
    public var batch: ChangeBatch

    /// A bundle from its parts.
    public init(schemaVersion: UInt32, author: ReplicaID, createdAt: UInt64, knowledge: Knowledge, batch: ChangeBatch) {
        self.schemaVersion = schemaVersion
        self.author = author
        self.createdAt = createdAt
        self.knowledge = knowledge
        self.batch = batch
    }
}
