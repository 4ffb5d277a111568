import FieldbookCore
import Synchronization

/// The rounds whose requests the server is still reading, by replica.
///
/// When a link drops in the middle of a push, the server may still be merging the frames
/// that arrived before the cut while the client, on a new connection, already asks what
/// the server holds. Answering before those frames land would make the client push them
/// again (skipped as duplicates, but sent twice over a slow link). So a round waits, before
/// it answers, until no earlier round of the same replica is still reading its request,
/// for ten seconds at most (a loaded server can take seconds to merge what a cut push
/// delivered): the wait only saves bytes, correctness never depends on it.
final class ReadingRounds: Sendable {
    private let reading = Mutex<[ReplicaID: Int]>([:])

    /// A round of `replica` started reading its request.
    func begin(_ replica: ReplicaID) {
        reading.withLock { $0[replica, default: 0] += 1 }
    }

    /// That round finished reading (whole, cut short or refused).
    func end(_ replica: ReplicaID) {
        reading.withLock {
            let left = ($0[replica] ?? 1) - 1
            $0[replica] = left > 0 ? left : nil
        }
    }

    /// Waits until no round of `replica` is reading, or `limit` has passed.
    func settle(_ replica: ReplicaID, limit: Duration = .seconds(10)) async {
        let deadline = ContinuousClock.now + limit
        while reading.withLock({ $0[replica] != nil }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
