import Fieldbook
import FieldbookCore
import FieldbookStore

/// One facilitator's laptop in a simulation: a replica file, a clock that drifts and
/// jumps, and at most one sync client running at a time.
final class SimulatedReplica {
    let index: Int
    let path: String
    let replicaID: ReplicaID
    let token: String
    let clock: ManualWallClock
    private(set) var fieldbook: Fieldbook
    /// How far this laptop's clock is from true time, milliseconds.
    var offset: Int64 = 0
    /// The latest reading the clock ever showed: the replica's hybrid clock may not pass it
    /// by more than the drift bound.
    var latestReading: UInt64 = 0
    /// A sync is running (its client is waiting on the network).
    var syncing = false
    /// Offline (partitioned) until this step.
    var offlineUntil = -1
    /// The step a temporary clock jump ends at, if one is on.
    var jumpEndsAt: Int?
    /// Vector files this replica wrote earlier, for bundles made against stale knowledge.
    var vectorFiles: [[UInt8]] = []
    /// The cohort partition a facilitator's token opens; `nil` for the office's token.
    var cohort: PartitionID?
    /// Times the replica was restarted (store reopened from its file).
    private(set) var restarts = 0

    init(index: Int, path: String, replicaID: ReplicaID, token: String, now: UInt64, idSeed: UInt64) throws {
        self.index = index
        self.path = path
        self.replicaID = replicaID
        self.token = token
        self.clock = ManualWallClock(milliseconds: now)
        latestReading = now
        let created = try Fieldbook.create(
            at: path, name: "replica-\(index)", replicaID: replicaID, options: .init(wallClock: clock))
        fieldbook = Fieldbook(store: created.store, seed: idSeed)
    }

    var store: ReplicaStore { fieldbook.store }

    /// The partitions this replica's token reads: every one for the office.
    var readable: Set<PartitionID>? { cohort.map { [$0, .shared] } }

    /// Whether `stream` is one of this replica's own that stays on the laptop: in a
    /// partition its token cannot write.
    func keepsLocal(_ stream: StreamID) -> Bool {
        guard let cohort, stream.origin == replicaID else { return false }
        return stream.partition != cohort
    }

    /// Sets the laptop's clock from true time and its offset.
    func tick(trueTime: UInt64) {
        let reading = UInt64(max(0, Int64(trueTime) + offset))
        clock.set(reading)
        latestReading = max(latestReading, reading)
    }

    /// Drops the open store and opens the file again: the process was killed and restarted.
    func restart(idSeed: UInt64) throws {
        fieldbook = Fieldbook(store: try Fieldbook.open(at: path, options: .init(wallClock: clock)).store, seed: idSeed)
        restarts += 1
    }
}
