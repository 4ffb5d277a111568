import FieldbookCore

/// What a replica holds, written to a file so a peer can make a bundle for it
/// (`fieldbook bundle export FILE --for VECTOR-FILE`).
public struct KnowledgeFile: Hashable, Sendable {
    /// The replica whose knowledge this is.
    public var replica: ReplicaID
    /// Its version vectors.
    public var knowledge: Knowledge

    /// A knowledge file from its parts.
    public init(replica: ReplicaID, knowledge: Knowledge) {
        self.replica = replica
        self.knowledge = knowledge
    }
}
