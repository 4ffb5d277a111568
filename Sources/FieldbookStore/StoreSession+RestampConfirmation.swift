import FieldbookCore
import GRDB

/// Re-stamps confirmed by the server: the second half of a re-stamp.
///
/// A laptop re-stamps its quarantined changes locally once its clock is fixed, and pushes
/// them. If the office released the originals before the re-stamped copies arrived, the
/// server holds the originals and skips the copies as duplicates: the laptop would keep
/// other stamps for the same changes than every other replica, for ever. So the laptop
/// marks its re-stamped range unconfirmed, declares it missing to its server
/// (``ReplicaStore/roundKnowledge()``), and compares what the server sends back: where
/// the server's version differs, the server's wins, because it is what every other replica
/// holds. A sequence the server holds never changes there, so one comparison settles it.
extension ReplicaStore {
    /// What this replica tells its server it holds: its knowledge, except that its own
    /// re-stamped changes the server has not confirmed yet are declared missing, so the
    /// server's answer carries its versions of them.
    public func roundKnowledge() throws -> Knowledge {
        try roundKnowledge(holding: knowledge())
    }

    /// ``roundKnowledge()`` from the knowledge the caller has just read (a sync round
    /// reads it anyway): only the unconfirmed marks are read here.
    public func roundKnowledge(holding local: Knowledge) throws -> Knowledge {
        var knowledge = local
        for (stream, unconfirmed) in try withReadSession({ try $0.unconfirmedRestamps() }) {
            knowledge[stream] = min(knowledge[stream], unconfirmed - 1)
        }
        return knowledge
    }
}

extension StoreSession {
    /// The first unconfirmed re-stamped sequence of each of this replica's own streams
    /// that has one.
    func unconfirmedRestamps() throws -> [StreamID: UInt64] {
        var result: [StreamID: UInt64] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT s.id, s.unconfirmed FROM fb_streams s JOIN fb_replicas r ON r.id = s.origin
                WHERE s.unconfirmed > 0 AND r.replica = ?
                """,
            arguments: [local.rawValue.data])
        {
            result[try stream(ref: row["id"])] = UInt64(row["unconfirmed"] as Int64)
        }
        return result
    }

    /// Compares the server's versions of this replica's unconfirmed re-stamped changes in
    /// `batch` with its own, adopts the server's stamps where they differ, and moves each
    /// stream's unconfirmed mark past what the batch covered.
    ///
    /// - Returns: how many changes took the server's stamps.
    @discardableResult
    func confirmRestamps(in batch: ChangeBatch) throws -> Int {
        var adopted = 0
        for range in batch.ranges where range.stream.origin == local {
            guard let ref = try streamRef(range.stream, create: false) else { continue }
            let unconfirmed = UInt64(
                try Int64.fetchOne(db, sql: "SELECT unconfirmed FROM fb_streams WHERE id = ?", arguments: [ref]) ?? 0)
            // Only a range that starts at or before the mark covers it without a hole.
            guard unconfirmed > 0, range.after < unconfirmed, range.through >= unconfirmed else { continue }
            let held = try heldSequence(ref: ref)
            for change in batch.changes
            where change.stream == range.stream && change.sequence >= unconfirmed && change.sequence <= held {
                if try adopt(change, ref: ref) { adopted += 1 }
            }
            // What the range covers and the batch does not carry, the server compacted: it is
            // superseded there, and nobody can receive its stamp any more.
            try db.execute(
                sql: "UPDATE fb_streams SET unconfirmed = ? WHERE id = ?",
                arguments: [range.through >= held ? 0 : Int64(range.through + 1), ref])
        }
        return adopted
    }

    /// Gives this replica's own logged change the server's stamps, if they differ.
    private func adopt(_ server: Change, ref: Int64) throws -> Bool {
        let id = LogID.make(stream: ref, sequence: server.sequence)
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT 'fb_cells' AS tbl, col, rid, hlc, prev_hlc, prev_origin FROM fb_cells WHERE id = ?1
                    UNION ALL SELECT 'fb_history', col, rid, hlc, prev_hlc, prev_origin FROM fb_history WHERE id = ?1
                    """,
                arguments: [id])
        else { return false }  // compacted here: superseded, nobody receives it from us
        let time = server.stamp.time.databaseInteger
        let previousTime = server.previous?.time.databaseInteger
        let previousOrigin = try server.previous.map { try replicaRef($0.origin) }
        let oldTime: Int64 = row["hlc"]
        guard oldTime != time || row["prev_hlc"] != previousTime || row["prev_origin"] != previousOrigin else {
            return false
        }
        let table: String = row["tbl"]
        try db.execute(
            sql: "UPDATE \(table) SET hlc = ?, prev_hlc = ?, prev_origin = ? WHERE id = ?",
            arguments: [time, previousTime, previousOrigin, id])
        // This change's digest (and those of later writes of the cell, below) changed: the
        // certificates over it are void, and the next push signs the server's stamps.
        try db.execute(
            sql: "DELETE FROM fb_certificates WHERE stream = ? AND through >= ?",
            arguments: [ref, Int64(server.sequence)])
        // Our later writes of the cell named the replaced stamp as the value they overwrote.
        let column: Int64 = row["col"]
        let rowID: Int64 = row["rid"]
        for later in ["fb_cells", "fb_history"] {
            try db.execute(
                sql: """
                    UPDATE \(later) SET prev_hlc = ?1
                    WHERE id > ?2 AND id <= ?3 AND col = ?4 AND rid = ?5 AND prev_origin = ?6 AND prev_hlc = ?7
                    """,
                arguments: [
                    time, id, LogID.make(stream: ref, sequence: LogID.maximumSequence), column, rowID,
                    try replicaRef(local), oldTime,
                ])
        }
        try reelect(column: column, row: rowID)
        return true
    }
}
