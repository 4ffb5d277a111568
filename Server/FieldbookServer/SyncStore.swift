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

    /// Merges a pushed batch in one transaction, all or nothing, checking every change
    /// against its row's partition and the sender's rights (``FieldbookCore/RowAuthorizer``).
    ///
    /// - Throws: ``FieldbookCore/FieldbookError`` `.scopeDenied` when a change or range
    ///   is refused: nothing of the batch is merged.
    func merge(_ batch: ChangeBatch, from sender: ReplicaID, rights: WriterRights) async throws
        -> BatchMerger.Report
    /// Everything the server holds.
    func knowledge() async throws -> Knowledge
    /// The next frame of a round: `assembler` advanced past it, and the frame. Each frame
    /// is read in a transaction of its own, so a round streamed to a slow link holds no
    /// snapshot open; the assembler's cursors keep their place between frames.
    func nextFrame(of assembler: FrameAssembler, byteBudget: Int) async throws
        -> (FrameAssembler, BatchAssembler.Assembly)
    /// The first quarantined sequence of each of `origin`'s streams.
    func quarantinedStarts(origin: ReplicaID) async throws -> [StreamStart]
    /// Every change held back for clock skew (the office's `quarantine list`).
    func quarantined() async throws -> [QuarantineEntry]
    /// Merges quarantined changes as they are (the office accepts a skewed clock's data).
    ///
    /// Each stream is released from the first sequence after what is held, in order;
    /// changes after a hole (never received) stay quarantined until the hole is filled.
    ///
    /// - Parameter origin: release only this replica's changes; `nil` for all.
    func releaseQuarantine(origin: ReplicaID?) async throws -> BatchMerger.Report
    /// Removes superseded changes from the log that stopped winning before `cutoff` (Unix
    /// milliseconds), keeping vectors exact: a peer still receives the ranges that covered
    /// them, so it counts them as held without their values (PROTOCOL.md section 11).
    /// Winners, the conflict ledger and the quarantine are untouched. Rounds keep running
    /// while it works.
    ///
    /// - Returns: how many changes were removed.
    func compact(supersededBefore cutoff: UInt64) async throws -> Int

    /// The stored token with this public ID.
    func token(id: String) async throws -> StoredToken?
    /// Stores a new token. Throws `.exists` when the name is taken by a live token.
    func insertToken(_ token: StoredToken) async throws
    /// Every token, live and revoked, by name.
    func tokens() async throws -> [StoredToken]
    /// Revokes the live token with this name; returns whether there was one.
    func revokeToken(name: String, at time: UInt64) async throws -> Bool
    /// Binds the token to `replica` at its first sync, and to `key` at its first signed
    /// sync from that replica, atomically; a bound token keeps its replica and its key.
    /// Returns the replica and key the token is bound to after the call.
    func bindToken(id: String, to replica: ReplicaID, key: OriginPublicKey?) async throws -> TokenBinding
    /// Clears the replica and key binding of the live token with this name, so the next
    /// sync binds it afresh (a laptop replaced or re-installed); returns whether there was
    /// one.
    func unbindToken(name: String) async throws -> Bool
    /// The public keys bound for these origins (through their tokens, or pinned when
    /// their signed changes were relayed), for the replicas that receive their changes.
    func originKeys(of origins: Set<ReplicaID>) async throws -> [ReplicaID: OriginPublicKey]
}

extension SyncStore {
    /// Merges a batch from a sender trusted with every partition and origin (the
    /// office's relays, tests and tools); rows are still checked against their partitions.
    public func merge(_ batch: ChangeBatch, from sender: ReplicaID) async throws -> BatchMerger.Report {
        try await merge(batch, from: sender, rights: .anyPartition(name: "replica \(sender.short)"))
    }
}

/// What a token is bound to after ``SyncStore/bindToken(id:to:key:)``.
public struct TokenBinding: Hashable, Sendable {
    /// The replica that syncs with the token.
    public var replica: ReplicaID
    /// Its public key; `nil` until the replica's first signed round.
    public var key: OriginPublicKey?

    public init(replica: ReplicaID, key: OriginPublicKey?) {
        self.replica = replica
        self.key = key
    }
}

/// A change the server holds back because its author's clock was too far ahead.
public struct QuarantineEntry: Hashable, Sendable {
    /// The change as it arrived.
    public var change: Change
    /// Why it was held back.
    public var reason: String
    /// When it arrived, the server's Unix milliseconds.
    public var receivedAt: UInt64

    public init(change: Change, reason: String, receivedAt: UInt64) {
        self.change = change
        self.reason = reason
        self.receivedAt = receivedAt
    }
}

extension SyncStore {
    /// The next bounded batch a peer lacks, from the given partitions (`nil`: all): the
    /// first frame of a round.
    public func changes(for peer: Knowledge, partitions: Set<PartitionID>?, byteBudget: Int) async throws
        -> BatchAssembler.Assembly
    {
        try await nextFrame(of: FrameAssembler(peer: peer, partitions: partitions), byteBudget: byteBudget).1
    }
}
