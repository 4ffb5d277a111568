/// The storage a batch merge reads and writes: a replica store in SQLite or PostgreSQL.
///
/// ``BatchMerger`` owns the rules; a target only answers questions about its state and
/// records outcomes. Every call happens inside one transaction that the caller commits
/// only when the whole batch merged, so a refused or interrupted batch changes nothing.
public protocol MergeTarget: AnyObject {
    /// The receiver's hybrid clock: remote stamps advance it, ledger writes tick it.
    var clock: HybridClock { get set }
    /// The highest contiguous sequence held of `stream` (its version vector entry).
    func heldSequence(of stream: StreamID) throws -> UInt64
    /// Raises the version vector entry of `stream`.
    func setHeldSequence(_ sequence: UInt64, of stream: StreamID) throws
    /// Whether this replica's schema knows the cell's table and column.
    func knows(_ cell: CellAddress) -> Bool
    /// The current winning version of a cell, if any.
    func currentVersion(of cell: CellAddress) throws -> CellVersion?
    /// Makes `change` the cell's winner; `displaced` (the old winner) stays in the log
    /// as a superseded change until compaction.
    func install(_ change: Change, displacing displaced: CellVersion?) throws
    /// Keeps a change that lost on arrival in the log as superseded, until compaction.
    func retire(_ change: Change) throws
    /// Keeps a change for a table or column this schema does not know: logged and
    /// forwarded, materialized after an upgrade.
    func holdUnknown(_ change: Change) throws
    /// Holds a change back from the merge: it is not applied and not counted as held.
    func quarantine(_ change: Change, reason: String) throws
    /// Removes `stream`'s quarantined changes up to `sequence`: they arrived again, merged.
    func clearQuarantine(_ stream: StreamID, through sequence: UInt64) throws
    /// Records a concurrent version that lost, in the replicated conflict ledger.
    func recordConflict(_ cell: CellAddress, partition: PartitionID, loser: CellVersion) throws
}

/// What a receiver that checks signed chains keeps per stream (``BatchMerger/Policy/chains``).
/// A store that does not check them yet leaves these unimplemented and never sets the
/// policy.
public protocol ChainKeeping {
    /// What this replica holds of the stream's chain.
    func chainState(of stream: StreamID) throws -> ChainState
    /// The origin's pinned public key, if this replica knows it.
    func originKey(of origin: ReplicaID) throws -> OriginPublicKey?
    /// Pins `key` for `origin`; the same key again is harmless.
    ///
    /// - Throws: `.forged` when another key is pinned for `origin` already.
    func pin(_ key: OriginPublicKey, for origin: ReplicaID) throws
    /// Keeps what a verified range leaves once the merge reached `reached`: the chain
    /// head there (when it was computed), the certificate, and the digests past `reached`
    /// for relaying.
    func keepChain(_ verification: ChainVerifier.Verification, of stream: StreamID, reached: UInt64) throws
    /// Drops the stream's chain head: its held sequence moved past it unchecked, so the
    /// next proof is taken where it ends on a certificate (``ChainVerifier``).
    func forgetChainHead(of stream: StreamID) throws
}
