import FieldbookCore

/// One sync round from the client: what it holds, and a bounded batch of its changes.
///
/// The server merges ``batch`` in one transaction and answers with a ``SyncResponse``.
/// Resending a request whose batch already landed changes nothing.
public struct SyncRequest: Hashable, Sendable {
    /// The data schema version of the client (see ``FieldbookCore/ReplicatedSchema``).
    public var schemaVersion: UInt32
    /// The client replica.
    public var replica: ReplicaID
    /// The client's physical clock, Unix milliseconds, when it sent the request.
    public var clientTime: UInt64
    /// What the client holds, for the partitions it syncs; the server sends what lacks.
    public var knowledge: Knowledge
    /// The client's changes the server lacks (as far as the client knows), bounded in bytes.
    public var batch: ChangeBatch
    /// The largest response batch the client wants, in approximate bytes (0: server default).
    public var maxResponseBytes: UInt32

    /// A request from its parts.
    public init(
        schemaVersion: UInt32, replica: ReplicaID, clientTime: UInt64, knowledge: Knowledge, batch: ChangeBatch,
        maxResponseBytes: UInt32 = 0
    ) {
        self.schemaVersion = schemaVersion
        self.replica = replica
        self.clientTime = clientTime
        self.knowledge = knowledge
        self.batch = batch
        self.maxResponseBytes = maxResponseBytes
    }
}
