import FieldbookCore

/// The first frame of a framed sync request (format version 2): who the client is, what it
/// holds, and how the server should cut its answer into frames.
///
/// The push follows as ``Message/changes(_:)`` frames, each merged by the server on its
/// own as soon as it has arrived whole, so a request cut short keeps every complete frame.
public struct RoundOpen: Hashable, Sendable {
    /// The data schema version of the client (see ``FieldbookCore/ReplicatedSchema``).
    public var schemaVersion: UInt32
    /// The client replica.
    public var replica: ReplicaID
    /// The client's physical clock, Unix milliseconds, when it sent the request.
    public var clientTime: UInt64
    /// What the client holds, for the partitions it syncs.
    public var knowledge: Knowledge
    /// The approximate size of each change frame the server sends (0: server default).
    public var frameBytes: UInt32
    /// The approximate size of the whole answer: the server ends the round with `hasMore`
    /// once it has sent this much (0: server default).
    public var roundBytes: UInt32
    /// The client's public key (format 3 on): the server binds it to the token with the
    /// replica at the token's first round, checks the client's certificates with it, and
    /// hands it to the replicas that receive the client's changes. `nil` from a client that
    /// does not sign.
    public var publicKey: OriginPublicKey?

    /// An opening frame from its parts.
    public init(
        schemaVersion: UInt32, replica: ReplicaID, clientTime: UInt64, knowledge: Knowledge, frameBytes: UInt32 = 0,
        roundBytes: UInt32 = 0, publicKey: OriginPublicKey? = nil
    ) {
        self.publicKey = publicKey
        self.schemaVersion = schemaVersion
        self.replica = replica
        self.clientTime = clientTime
        self.knowledge = knowledge
        self.frameBytes = frameBytes
        self.roundBytes = roundBytes
    }
}
