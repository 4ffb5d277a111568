import FieldbookCore
import Foundation
import GRDB

extension ReplicaStore {
    /// What a sync peer held when we last heard from it (empty when never).
    public func peerKnowledge(_ peer: String) throws -> Knowledge {
        try read { db in
            var knowledge = Knowledge()
            for row in try Row.fetchAll(
                db, sql: "SELECT partition, origin, held FROM fb_peers WHERE peer = ?", arguments: [peer])
            {
                guard let partition = Bytes16(data: row["partition"]), let origin = Bytes16(data: row["origin"]) else {
                    continue
                }
                knowledge[StreamID(partition: PartitionID(partition), origin: ReplicaID(origin))] = UInt64(
                    row["held"] as Int64)
            }
            return knowledge
        }
    }

    /// Remembers what a sync peer holds (replacing what was remembered).
    public func setPeerKnowledge(_ peer: String, _ knowledge: Knowledge) throws {
        try StoreErrors.translate {
            try database.write { db in
                try db.execute(sql: "DELETE FROM fb_peers WHERE peer = ?", arguments: [peer])
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO fb_peers (peer, partition, origin, held) VALUES (?, ?, ?, ?)")
                for stream in knowledge.streams {
                    try insert.execute(arguments: [
                        peer, stream.partition.rawValue.data, stream.origin.rawValue.data, Int64(knowledge[stream]),
                    ])
                }
            }
        }
    }

    /// How many of this replica's own changes `peer` does not hold.
    public func ownChanges(notHeldBy peer: Knowledge) throws -> UInt64 {
        let local = try knowledge()
        return local.streams.filter { $0.origin == replicaID }.reduce(0) { total, stream in
            total + (local[stream] - min(local[stream], peer[stream]))
        }
    }

    /// Records that our own changes up to `knowledge` left this replica in a bundle, so
    /// they are never re-stamped (a peer may have merged them already).
    public func markExported(_ knowledge: Knowledge) throws {
        try withSession { session in
            for stream in knowledge.streams where stream.origin == replicaID {
                guard let ref = try session.streamRef(stream, create: false) else { continue }
                try session.db.execute(
                    sql: "UPDATE fb_streams SET exported = max(exported, ?) WHERE id = ?",
                    arguments: [Int64(knowledge[stream]), ref])
            }
        }
    }

    /// Removes superseded changes from the log that stopped winning before `cutoff`
    /// (Unix milliseconds). Version vectors still count them as held, so sync stays exact.
    ///
    /// - Returns: how many changes were removed.
    @discardableResult
    public func compact(supersededBefore cutoff: UInt64) throws -> Int {
        try withSession { session in
            // Their digests and stamps stay: the streams they belong to must remain provable,
            // and a later re-stamp must still sort after them.
            try session.keepDigestsOfHistory(supersededBefore: cutoff)
            try session.db.execute(
                sql: "DELETE FROM fb_history WHERE superseded < ?", arguments: [Int64(clamping: cutoff)])
            return session.db.changesCount
        }
    }

    /// Counts of what the log holds, for status and benchmarks.
    public func logCounts() throws -> (winners: Int, superseded: Int, pending: Int, quarantined: Int) {
        try read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM fb_cells") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM fb_history") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM fb_pending") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM fb_quarantine") ?? 0
            )
        }
    }
}
