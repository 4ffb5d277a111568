import FieldbookCore
import Foundation
import GRDB

/// A change held back from the merge because its clock was too far ahead.
public struct QuarantinedChange: Hashable, Sendable {
    /// The change as it arrived.
    public var change: Change
    /// Why it was held back.
    public var reason: String
    /// When it arrived, receiver's Unix milliseconds.
    public var receivedAt: UInt64
}

extension ReplicaStore {
    /// The quarantined changes, by stream and sequence.
    public func quarantined() throws -> [QuarantinedChange] {
        try withReadSession { session in
            try Row.fetchAll(session.db, sql: "SELECT * FROM fb_quarantine ORDER BY id").map { row in
                let stream = try session.stream(ref: LogID.stream(row["id"]))
                return QuarantinedChange(
                    change: try session.pendingChange(row, stream: stream), reason: row["reason"],
                    receivedAt: UInt64(row["received"] as Int64))
            }
        }
    }

    /// The first quarantined sequence of each of `origin`'s streams that has any.
    ///
    /// Every sync round asks this for its laptop: one indexed probe per stream of that
    /// origin (a quarantined change's ID packs its stream, ``LogID``), whatever else the
    /// quarantine holds, and no session (reading the whole quarantine per round made a
    /// large one a cost of every laptop's every round).
    public func quarantineStarts(origin: ReplicaID) throws -> [StreamID: UInt64] {
        try database.read { db in
            var starts: [StreamID: UInt64] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT p.partition,
                           (SELECT min(q.id) FROM fb_quarantine q
                            WHERE q.id BETWEEN s.id << \(LogID.sequenceBits) AND (s.id << \(LogID.sequenceBits)) + \(LogID.maximumSequence)) AS first
                    FROM fb_streams s JOIN fb_replicas r ON r.id = s.origin JOIN fb_partitions p ON p.id = s.partition
                    WHERE r.replica = ?
                    """, arguments: [origin.rawValue.data])
            {
                guard let first = row["first"] as Int64?, let partition = Bytes16(data: row["partition"]) else {
                    continue
                }
                starts[StreamID(partition: PartitionID(partition), origin: origin)] = LogID.sequence(first)
            }
            return starts
        }
    }

    /// Merges quarantined changes as they are (the office accepts a skewed clock's data).
    ///
    /// Each stream is released from the first sequence after what is held, in order;
    /// changes after a hole (never received) stay quarantined until the hole is filled.
    ///
    /// - Parameter origin: release only this replica's changes; `nil` for all.
    /// - Returns: what the merge did.
    @discardableResult
    public func releaseQuarantine(origin: ReplicaID? = nil) throws -> BatchMerger.Report {
        let waiting = try quarantined().map(\.change).filter { origin == nil || $0.origin == origin }
        let batch = ChangeBatch.releasing(waiting, above: try knowledge())
        return try merge(batch, from: nil, acceptSkewed: true, vetted: true)
    }
}
