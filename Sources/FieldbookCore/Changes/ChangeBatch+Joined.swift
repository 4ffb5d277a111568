extension ChangeBatch {
    /// Consecutive frames of one stream of frames (a round's answer) as one batch: the
    /// changes in order, and each stream's ranges folded into one.
    ///
    /// Merging the joined batch is merging the frames one after another, in one
    /// transaction instead of one each.
    ///
    /// - Returns: `nil` when a stream's range does not continue where the previous frame
    ///   left it, or two frames carry a proof for the same stream: merge those frames one
    ///   by one, so the merge names the frame at fault.
    public static func joined(_ frames: [ChangeBatch]) -> ChangeBatch? {
        guard frames.count > 1 else { return frames.first ?? ChangeBatch() }
        var joined = ChangeBatch()
        joined.changes.reserveCapacity(frames.reduce(0) { $0 + $1.changes.count })
        var rangeIndex: [StreamID: Int] = [:]
        var proved: Set<StreamID> = []
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
                guard proved.insert(proof.certificate.stream).inserted else { return nil }
                joined.proofs.append(proof)
            }
        }
        return joined
    }
}
