extension ChangeBatch {
    /// Consecutive frames of one stream of frames (a round's answer) as one batch: the
    /// changes in order, and each stream's ranges folded into one.
    ///
    /// Merging the joined batch is merging the frames one after another, in one
    /// transaction instead of one each.
    ///
    /// A stream proven in several frames (frames send a stream in runs) keeps the proof
    /// that reaches furthest, with every digest the frames gave for sequences the joined
    /// batch does not carry: the joined range is proven if the frames were. Nothing merges
    /// from a digest, so a frame's digest that the joined proof does not need cannot let
    /// anything through: what merges is checked against the signed head either way.
    ///
    /// - Returns: `nil` when a stream's range does not continue where the previous frame
    ///   left it: merge those frames one by one, so the merge names the frame at fault.
    public static func joined(_ frames: [ChangeBatch]) -> ChangeBatch? {
        guard frames.count > 1 else { return frames.first ?? ChangeBatch() }
        var joined = ChangeBatch()
        joined.changes.reserveCapacity(frames.reduce(0) { $0 + $1.changes.count })
        var rangeIndex: [StreamID: Int] = [:]
        var proofs: [StreamID: StreamProof] = [:]
        var digests: [StreamID: [UInt64: Hash256]] = [:]
        for frame in frames {
            joined.changes += frame.changes
            for range in frame.ranges {
                if let index = rangeIndex[range.stream] {
                    guard joined.ranges[index].through == range.after else { return nil }
                    joined.ranges[index].through = range.through
                } else {
                    rangeIndex[range.stream] = joined.ranges.count
                    joined.ranges.append(range)
                }
            }
            for proof in frame.proofs {
                let stream = proof.certificate.stream
                if proofs[stream].map({ $0.certificate.through < proof.certificate.through }) ?? true {
                    proofs[stream] = proof
                }
                for digest in proof.digests { digests[stream, default: [:]][digest.sequence] = digest.digest }
            }
        }
        guard !proofs.isEmpty else { return joined }
        var carried: [StreamID: Set<UInt64>] = [:]
        for change in joined.changes where proofs[change.stream] != nil {
            carried[change.stream, default: []].insert(change.sequence)
        }
        for range in joined.ranges {
            guard var proof = proofs[range.stream] else { continue }
            let given = digests[range.stream] ?? [:]
            let held = carried[range.stream] ?? []
            proof.digests = given.keys.sorted()
                .filter { $0 > range.after && $0 <= proof.certificate.through && !held.contains($0) }
                .map { SequenceDigest(sequence: $0, digest: given[$0]!) }
            joined.proofs.append(proof)
        }
        return joined
    }
}
