/// Merges a batch of remote changes into a replica: the one merge algorithm every store
/// runs, client or server, SQLite or PostgreSQL.
///
/// The merge is all or nothing (the caller wraps it in one transaction and commits only
/// on success) and idempotent: changes at or below the receiver's version vector are
/// skipped, so resending a batch that already landed changes nothing.
public enum BatchMerger {
    /// Who sent a batch and what the receiver allows.
    public struct Policy: Sendable {
        /// The replica that sent the batch. Its own changes are checked against the clock
        /// bound; changes it relays were vetted where they were first merged.
        public var sender: ReplicaID?
        /// Check every change against the clock bound, not only the sender's own: for a
        /// server taking pushes and a replica importing a bundle, whose senders may relay
        /// changes nobody vetted. (A change released from quarantine reaches replicas
        /// from the server, which does not re-check what it relays.)
        public var checksEveryOrigin: Bool
        /// Write concurrent losers to the conflict ledger. A client merging what the
        /// server sent turns this off: the server saw both versions of every conflict
        /// first (every change reaches it, before or after) and records the entry, which
        /// the client receives; recording it again on every client would write a new
        /// copy of each ledger row per replica, for everyone to download again.
        public var recordsConflicts: Bool
        /// The receiver's physical time, Unix milliseconds.
        public var now: UInt64
        /// Merge changes beyond the clock bound as they are (the office releasing a
        /// quarantine) instead of holding them back.
        public var acceptSkewed: Bool
        /// Checks every new change and range against its row and its writer; `nil` only
        /// for changes this replica vetted before (a quarantine release, genesis data).
        public var authorizer: RowAuthorizer?
        /// Checks every range against its origin's signed chain before anything merges;
        /// `nil` where chains are not checked (yet): the target must be ``ChainKeeping``.
        public var chains: ChainCheck?

        /// A policy from its parts.
        public init(
            sender: ReplicaID?, now: UInt64, acceptSkewed: Bool = false, checksEveryOrigin: Bool = false,
            recordsConflicts: Bool = true, authorizer: RowAuthorizer? = nil, chains: ChainCheck? = nil
        ) {
            self.authorizer = authorizer
            self.chains = chains
            self.sender = sender
            self.checksEveryOrigin = checksEveryOrigin
            self.recordsConflicts = recordsConflicts
            self.now = now
            self.acceptSkewed = acceptSkewed
        }
    }

    /// How a receiver checks signed chains: which senders it trusts with history from
    /// before signing (``ChainVerifier``).
    public struct ChainCheck: Sendable {
        /// Whether the sender may pass on this stream's unsigned history.
        public var trustsUnproven: @Sendable (StreamID) -> Bool
        /// Whether the sender may relay this stream's changes unproven past a chain head
        /// this replica holds (``ChainVerifier/verify(_:changes:proof:state:key:trustsUnproven:relaysUnsigned:)``).
        public var relaysUnsigned: @Sendable (StreamID) -> Bool
        /// Origins' keys the sender names (a bundle's head): pinned within the merge, so a
        /// refused batch pins nothing; one that differs from a pinned key is `.forged`.
        public var keys: [ReplicaID: OriginPublicKey]

        /// A check from its trust rules.
        public init(
            trustsUnproven: @escaping @Sendable (StreamID) -> Bool,
            relaysUnsigned: @escaping @Sendable (StreamID) -> Bool = { _ in false },
            keys: [ReplicaID: OriginPublicKey] = [:]
        ) {
            self.trustsUnproven = trustsUnproven
            self.relaysUnsigned = relaysUnsigned
            self.keys = keys
        }
    }

    /// What a merge did.
    public struct Report: Hashable, Sendable {
        /// Changes that became the winner of their cell.
        public var applied = 0
        /// Changes that arrived already superseded.
        public var superseded = 0
        /// Changes already held (resent), skipped.
        public var duplicates = 0
        /// Concurrent losers written to the conflict ledger.
        public var conflicts = 0
        /// Changes held back because their clock was too far ahead.
        public var quarantined = 0
        /// Changes for tables or columns this schema does not know, kept for later.
        public var unknown = 0

        /// An empty report.
        public init() {}

        /// Changes newly taken in (not skipped as duplicates).
        public var received: Int { applied + superseded + quarantined + unknown }

        /// Adds another report's counts to this one.
        public mutating func add(_ other: Report) {
            applied += other.applied
            superseded += other.superseded
            duplicates += other.duplicates
            conflicts += other.conflicts
            quarantined += other.quarantined
            unknown += other.unknown
        }
    }

    /// Merges `batch` into `target`.
    ///
    /// - Throws: ``FieldbookError`` `.corrupt` when the batch breaks its own promises
    ///   (a change outside its stream's range, sequences out of order), `.sequenceGap`
    ///   (with the stream and where to resume) when a range starts above what the target
    ///   holds. Nothing is written before these checks pass. `.scopeDenied` when the
    ///   policy's authorizer refuses a change or range: the caller's transaction rolls
    ///   back, so nothing of the batch merges.
    /// - Complexity: O(n) target calls for n changes.
    public static func merge(
        _ batch: ChangeBatch, into target: some MergeTarget, policy: Policy
    ) throws -> Report {
        let held = try validate(batch, against: target)
        var authorizer = policy.authorizer
        for range in batch.ranges {
            try authorizer?.authorize(range, held: held[range.stream, default: 0])
        }
        let verifications = try policy.chains.map { try verify(batch, against: target, check: $0) } ?? [:]
        var report = Report()
        var quarantinedFrom: [StreamID: UInt64] = [:]

        for change in batch.changes {
            let stream = change.stream
            guard change.sequence > held[stream, default: 0] else {
                report.duplicates += 1
                continue
            }
            // Checked before quarantine too: a held-back change is released later unchecked.
            let partition = try authorizer?.authorize(change, in: target) ?? change.partition
            if try quarantinedFrom[stream] != nil || isSkewed(change, target: target, policy: policy) {
                // Later changes of a held-back stream wait too: vectors count only
                // contiguous sequences, so nothing after the gap can be counted as held.
                if quarantinedFrom[stream] == nil { quarantinedFrom[stream] = change.sequence }
                try target.quarantine(change, reason: "clock ahead: \(change.stamp.time.milliseconds) ms")
                report.quarantined += 1
                continue
            }
            if !target.clock.observe(change.stamp.time, now: policy.now) {
                target.clock.observeClamped(change.stamp.time, now: policy.now)
            }
            guard target.knows(change.cell) else {
                try target.holdUnknown(change)
                report.unknown += 1
                continue
            }
            try merge(
                change, into: target, report: &report, recordsConflicts: policy.recordsConflicts, partition: partition)
        }

        for range in batch.ranges {
            let current = held[range.stream, default: 0]
            let reached = quarantinedFrom[range.stream].map { $0 - 1 } ?? range.through
            if reached > current {
                try target.setHeldSequence(reached, of: range.stream)
                try target.clearQuarantine(range.stream, through: reached)
            }
            if let keeper = target as? any ChainKeeping {
                if let verification = verifications[range.stream] {
                    try keeper.keepChain(verification, of: range.stream, reached: max(reached, current))
                } else if reached > current {
                    // Merged unchecked (a quarantine release, a merge that checks no
                    // chains): the head kept is of an earlier sequence now.
                    try keeper.forgetChainHead(of: range.stream)
                }
            }
        }
        return report
    }

    /// Verifies every range of `batch` against its origin's signed chain, before anything
    /// merges.
    ///
    /// - Throws: `.forged` for a range that is not what its origin signed; `.internal`
    ///   when the target cannot keep chains.
    static func verify(_ batch: ChangeBatch, against target: some MergeTarget, check: ChainCheck) throws
        -> [StreamID: ChainVerifier.Verification]
    {
        guard let keeper = target as? any ChainKeeping else {
            throw FieldbookError(.internal, "this store does not check signed chains")
        }
        for origin in check.keys.keys.sorted() { try keeper.pin(check.keys[origin]!, for: origin) }
        var byStream: [StreamID: [Change]] = [:]
        for change in batch.changes { byStream[change.stream, default: []].append(change) }
        var proofs: [StreamID: StreamProof] = [:]
        for proof in batch.proofs {
            guard proofs.updateValue(proof, forKey: proof.certificate.stream) == nil else {
                throw FieldbookError(
                    .corrupt, "batch carries two proofs for stream \(proof.certificate.stream.origin.short)")
            }
        }
        var verifications: [StreamID: ChainVerifier.Verification] = [:]
        for range in batch.ranges {
            verifications[range.stream] = try ChainVerifier.verify(
                range, changes: byStream[range.stream] ?? [], proof: proofs[range.stream],
                state: try keeper.chainState(of: range.stream), key: try keeper.originKey(of: range.stream.origin),
                trustsUnproven: check.trustsUnproven(range.stream), relaysUnsigned: check.relaysUnsigned(range.stream))
        }
        return verifications
    }

    /// Merges one change of a known cell, outside any batch bookkeeping (vectors are
    /// not touched): used to materialize changes that waited for a schema upgrade.
    ///
    /// Cells of the conflict ledger itself never go to the ledger. Every detector writes
    /// the same description of an entry, so the only concurrent ledger writes are two
    /// replicas resolving one entry at once, which disagree only on who resolved it and
    /// when: bookkeeping that last-writer-wins settles, not data for the office to
    /// review. Recording it would open an entry about an entry that no write can close.
    ///
    /// - Parameter partition: the partition of the change's row, where a losing value is
    ///   filed; the change's label when `nil` (changes vetted before).
    public static func merge(
        _ change: Change, into target: some MergeTarget, report: inout Report, recordsConflicts: Bool = true,
        partition: PartitionID? = nil
    ) throws {
        let partition = partition ?? change.partition
        let current = try target.currentVersion(of: change.cell)
        let reviewable = recordsConflicts && change.table != ConflictEntry.table
        switch CellMerge.resolve(current: current, incoming: change.version) {
        case .duplicate:
            report.duplicates += 1
        case .incomingWins(let displacedConcurrent):
            try target.install(change, displacing: current)
            report.applied += 1
            if displacedConcurrent, reviewable, let current {
                try target.recordConflict(change.cell, partition: partition, loser: current)
                report.conflicts += 1
            }
        case .currentWins(let incomingConcurrent):
            try target.retire(change)
            report.superseded += 1
            if incomingConcurrent, reviewable {
                try target.recordConflict(change.cell, partition: partition, loser: change.version)
                report.conflicts += 1
            }
        }
    }

    /// Whether a change must wait in quarantine for its stamp being too far ahead.
    ///
    /// A change stamped just after the value it overwrote is exempt when that value is no
    /// newer than the cell's current one here: that is how a replica with a correct clock
    /// edits a value that was released from quarantine with a future stamp (the edit must
    /// sort after it to win), and such a change is no further ahead than what this replica
    /// already merged, so it drags no clock into the future. The current value may be a
    /// concurrent edit of the same released value that arrived first.
    static func isSkewed(_ change: Change, target: some MergeTarget, policy: Policy) throws -> Bool {
        guard !policy.acceptSkewed, policy.checksEveryOrigin || change.origin == policy.sender,
            !target.clock.accepts(change.stamp.time, now: policy.now)
        else { return false }
        if let previous = change.previous, change.stamp.time.rawValue == previous.time.rawValue &+ 1,
            target.knows(change.cell), let current = try target.currentVersion(of: change.cell),
            previous <= current.stamp
        {
            return false
        }
        return true
    }

    /// Checks the batch against itself and the target's vectors; returns what the target
    /// held of each stream before the merge.
    static func validate(_ batch: ChangeBatch, against target: some MergeTarget) throws -> [StreamID: UInt64] {
        var ranges: [StreamID: StreamRange] = [:]
        for range in batch.ranges {
            guard range.after <= range.through, ranges.updateValue(range, forKey: range.stream) == nil else {
                throw FieldbookError(
                    .corrupt, "batch has an invalid or repeated range for stream \(range.stream.origin.short)")
            }
        }
        var last: [StreamID: UInt64] = [:]
        for change in batch.changes {
            guard let range = ranges[change.stream], change.sequence > range.after, change.sequence <= range.through
            else {
                throw FieldbookError(.corrupt, "batch carries change #\(change.sequence) outside its stream's range")
            }
            guard change.sequence > last[change.stream, default: 0] else {
                throw FieldbookError(.corrupt, "batch carries stream \(change.origin.short) out of order")
            }
            last[change.stream] = change.sequence
        }
        var held: [StreamID: UInt64] = [:]
        for (stream, range) in ranges {
            let sequence = try target.heldSequence(of: stream)
            guard range.after <= sequence else {
                throw FieldbookError(
                    .sequenceGap,
                    "sequence gap: stream \(stream.origin.short) in \(stream.partition) resumes after #\(sequence), batch starts after #\(range.after)",
                    resume: StreamRange(stream: stream, after: sequence, through: range.through)
                )
            }
            held[stream] = sequence
        }
        return held
    }
}
