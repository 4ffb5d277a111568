import FieldbookCore
import FieldbookProtocol

/// What the sync server needs from its database: one protocol, two implementations
/// (embedded SQLite, and PostgreSQL for several stateless servers on one database).
///
/// Both run the same merge algorithm (``FieldbookCore/BatchMerger``) and the same batch
/// selection (``FieldbookCore/BatchAssembler``); only storage differs.
public protocol SyncStore: Sendable {
    /// The server's own replica ID.
    var replicaID: ReplicaID { get }

    /// Merges a pushed batch in one transaction, all or nothing.
    func merge(_ batch: ChangeBatch, from sender: ReplicaID) async throws -> BatchMerger.Report
    /// Everything the server holds.
    func knowledge() async throws -> Knowledge
    /// The next bounded batch a peer lacks, from the given partitions (`nil`: all).
    func changes(for peer: Knowledge, partitions: Set<PartitionID>?, byteBudget: Int) async throws
        -> BatchAssembler.Assembly
    /// The first quarantined sequence of each of `origin`'s streams.
    func quarantinedStarts(origin: ReplicaID) async throws -> [StreamStart]

    /// The stored token with this public ID.
    func token(id: String) async throws -> StoredToken?
    /// Stores a new token. Throws `.exists` when the name is taken by a live token.
    func insertToken(_ token: StoredToken) async throws
    /// Every token, live and revoked, by name.
    func tokens() async throws -> [StoredToken]
    /// Revokes the live token with this name; returns whether there was one.
    func revokeToken(name: String, at time: UInt64) async throws -> Bool
}
