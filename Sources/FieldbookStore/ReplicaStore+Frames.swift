import FieldbookCore

extension ReplicaStore {
    /// Merges one frame of a stream of frames (a sync answer, a bundle file) in its own
    /// transaction.
    ///
    /// A stream this replica held back in an earlier frame of the same stream of frames
    /// (changes stamped too far ahead wait in quarantine) continues in this frame above
    /// what the replica holds: those changes are left out and wait for a later round or
    /// bundle, as the rest of the stream would have waited had it come in the same frame,
    /// and the rest of the frame merges.
    ///
    /// - Returns: what the merge did, and how many changes were left out that way.
    /// - Throws: as ``merge(_:from:acceptSkewed:checksEveryOrigin:recordsConflicts:rights:vetted:)``;
    ///   `.sequenceGap` for a gap in a stream that is not held back.
    public func mergeFrame(
        _ frame: ChangeBatch, from sender: ReplicaID, checksEveryOrigin: Bool = false, recordsConflicts: Bool = true,
        chains: BatchMerger.ChainCheck? = nil, fromServer: Bool = false
    ) throws -> (report: BatchMerger.Report, leftOut: Int) {
        var batch = frame
        var skipped: Set<StreamID> = []
        var leftOut = 0
        while true {
            do {
                let report = try merge(
                    batch, from: sender, checksEveryOrigin: checksEveryOrigin, recordsConflicts: recordsConflicts,
                    chains: chains, fromServer: fromServer)
                return (report, leftOut)
            } catch let error as FieldbookError where error.code == .sequenceGap {
                guard let stream = error.resume?.stream, skipped.insert(stream).inserted,
                    try quarantined().contains(where: { $0.change.stream == stream })
                else { throw error }
                leftOut += batch.changes.count(where: { $0.stream == stream })
                batch.changes.removeAll { $0.stream == stream }
                batch.ranges.removeAll { $0.stream == stream }
                batch.proofs.removeAll { $0.certificate.stream == stream }
            }
        }
    }
}

/// Frames merged as a group until one failed (``ReplicaStore/mergeFrames(_:from:checksEveryOrigin:recordsConflicts:chains:fromServer:)``).
public struct FrameGroupFailure: Error {
    /// The place of the frame that failed in the group; those before it are merged.
    public var index: Int
    /// What the frames before it did.
    public var merged: BatchMerger.Report
    /// Why the frame failed.
    public var error: any Error
}

extension ReplicaStore {
    /// Merges frames that arrived together (a fast answer, a bundle read ahead) in one
    /// transaction, which costs far fewer page writes than a commit per frame; if that
    /// fails, merges them one by one, so a bad frame costs itself and those after it,
    /// never the good frames before it: the same outcome as merging each on arrival.
    ///
    /// - Returns: what the frames did together.
    /// - Throws: ``FrameGroupFailure`` naming the frame that failed, with what the frames
    ///   before it did (they are merged).
    public func mergeFrames(
        _ frames: [ChangeBatch], from sender: ReplicaID, checksEveryOrigin: Bool = false, recordsConflicts: Bool = true,
        chains: BatchMerger.ChainCheck? = nil, fromServer: Bool = false
    ) throws -> BatchMerger.Report {
        if frames.count > 1, let joined = ChangeBatch.joined(frames),
            let report = try? mergeFrame(
                joined, from: sender, checksEveryOrigin: checksEveryOrigin, recordsConflicts: recordsConflicts,
                chains: chains, fromServer: fromServer
            ).report
        {
            return report
        }
        var merged = BatchMerger.Report()
        for (index, frame) in frames.enumerated() {
            do {
                merged.add(
                    try mergeFrame(
                        frame, from: sender, checksEveryOrigin: checksEveryOrigin, recordsConflicts: recordsConflicts,
                        chains: chains, fromServer: fromServer
                    ).report)
            } catch {
                throw FrameGroupFailure(index: index, merged: merged, error: error)
            }
        }
        return merged
    }

    /// Every change `peer` lacks, cut into self-contained batches of about `frameBytes`
    /// (each with the ranges that vouch for it), all read from one snapshot of the log.
    ///
    /// - Parameters:
    ///   - peer: what the peer holds.
    ///   - frameBytes: the approximate size of each batch; every batch carries at least one
    ///     change while any is lacking.
    ///   - frame: takes each batch in order; batch *k + 1* continues each stream where
    ///     batch *k* ended it.
    /// - Returns: what this replica held in that snapshot: the batches carry everything
    ///   above `peer` up to it.
    /// - Complexity: one pass over the changes sent, plus a read per stream and chunk.
    public func framedChanges(for peer: Knowledge, frameBytes: Int, _ frame: (ChangeBatch) throws -> Void) throws
        -> Knowledge
    {
        try withReadSession { session in
            let local = try session.knowledge()
            var assembler = FrameAssembler(local: local, peer: peer)
            while true {
                let assembly = try assembler.next(from: session, byteBudget: frameBytes)
                guard !assembly.batch.ranges.isEmpty else { break }
                try frame(assembly.batch)
                guard assembly.hasMore else { break }
            }
            return local
        }
    }

    /// The next frame of a round `assembler` is cutting, read in a transaction of its own
    /// (its cursors keep their place between frames; see ``FrameAssembler``).
    public func nextFrame(_ assembler: inout FrameAssembler, byteBudget: Int) throws -> BatchAssembler.Assembly {
        try withReadSession { session in try assembler.next(from: session, byteBudget: byteBudget) }
    }
}
