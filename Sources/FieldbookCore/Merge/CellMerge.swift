/// The merge rule of a per-column last-writer-wins register, with conflict detection.
///
/// The version with the larger ``Stamp`` wins, whatever order versions arrive in, so
/// replicas that hold the same versions agree on every cell. Two versions are
/// *concurrent* when neither author had seen the other's value; the loser of a
/// concurrent pair goes to the conflict ledger instead of vanishing.
///
/// Whether an author had seen a value is judged from what a change carries:
/// - a version that names the other as ``CellVersion/previous`` overwrote it knowingly;
/// - two versions from the same replica are never concurrent: a replica sees its own
///   writes, and if another value came between them the replica saw that conflict itself;
/// - two versions with equal values lose nothing, whichever wins.
/// Every other pair is reported. This never misses a real conflict; it can report a
/// pair as concurrent when the intermediate versions that linked them were compacted
/// away before the receiver saw them (see `Protocol/PROTOCOL.md`, "Conflicts").
public enum CellMerge {
    /// What happens when `incoming` meets the `current` version of its cell.
    public static func resolve(current: CellVersion?, incoming: CellVersion) -> CellResolution {
        guard let current else { return .incomingWins(displacedConcurrent: false) }
        if current.stamp == incoming.stamp { return .duplicate }
        let concurrent = areConcurrent(current, incoming)
        return incoming.stamp > current.stamp
            ? .incomingWins(displacedConcurrent: concurrent) : .currentWins(incomingConcurrent: concurrent)
    }

    /// Whether neither version was written with knowledge of the other.
    public static func areConcurrent(_ first: CellVersion, _ second: CellVersion) -> Bool {
        if first.stamp.origin == second.stamp.origin { return false }
        if first.previous == second.stamp || second.previous == first.stamp { return false }
        return first.value != second.value
    }
}

/// The outcome of one cell merge.
public enum CellResolution: Hashable, Sendable {
    /// The incoming version is the current one already: nothing to do.
    case duplicate
    /// The incoming version becomes current; the displaced one is a conflict loser when
    /// `displacedConcurrent` is set.
    case incomingWins(displacedConcurrent: Bool)
    /// The current version stays; the incoming one is a conflict loser when
    /// `incomingConcurrent` is set, else simply an older, superseded write.
    case currentWins(incomingConcurrent: Bool)
}
