import FieldbookCore
import Synchronization

/// The overview's attendance counts per cohort, kept between requests and recounted only
/// for the cohorts whose data changed.
///
/// Counting a cohort reads every mark it has, so counting all of them on every overview
/// costs what the whole register holds, not what the page shows. A cohort's marks,
/// events and participants all live in its partition, and every change the server
/// applies there raises the partition's version vector; so a count is reused while the
/// vector (and the programme's threshold) are what they were when it was taken.
///
/// The vector is read before the count, so a merge landing in between makes the stored
/// key older than the data, and the next overview counts again: never the reverse.
public final class CohortTallyCache: Sendable {
    /// What a count depends on.
    struct Key: Hashable {
        var vector: VersionVector
        var programme: String
        var threshold: Int
    }

    /// A cohort's counts.
    struct Counts: Sendable {
        var tally: AttendanceTally
        var below: Int
    }

    private let entries = Mutex<[RowID: (key: Key, counts: Counts)]>([:])

    public init() {}

    /// The counts still valid for `keys`, and the cohorts to count again.
    func lookup(_ keys: [RowID: Key]) -> (valid: [RowID: Counts], stale: [RowID]) {
        entries.withLock { entries in
            var valid: [RowID: Counts] = [:]
            var stale: [RowID] = []
            for (cohort, key) in keys {
                if let entry = entries[cohort], entry.key == key {
                    valid[cohort] = entry.counts
                } else {
                    stale.append(cohort)
                }
            }
            return (valid, stale.sorted())
        }
    }

    /// Keeps fresh counts, under the keys read before counting.
    func store(_ counts: [RowID: Counts], keys: [RowID: Key]) {
        entries.withLock { entries in
            for (cohort, key) in keys { entries[cohort] = (key, counts[cohort] ?? Counts(tally: .init(), below: 0)) }
        }
    }
}
