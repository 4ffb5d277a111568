import FieldbookCore
import Foundation
import GRDB

extension ReplicaStore {
    /// Gives this replica's own changes of `stream` from `sequence` on a new timestamp
    /// from the (now correct) clock, keeping their origin, sequence and order.
    ///
    /// This is how a laptop whose clock was wrong gets its quarantined changes merged
    /// after the clock is fixed: the receiver held them back unmerged and uncounted, so
    /// nobody else has them, and new stamps replace the wrong ones everywhere. Changes
    /// that left in a bundle are never re-stamped (the peer may have merged them); the
    /// office can still release those as they are. Cells whose winner changes because a
    /// stamp moved back are re-elected, and the clock is reset to physical time.
    ///
    /// The new stamps stand only until the server confirms them: if the office released
    /// the originals first, the server keeps those and this replica adopts them at its
    /// next sync (``roundKnowledge()``, ``StoreSession/confirmRestamps(in:)``).
    ///
    /// - Returns: how many changes got a new stamp.
    @discardableResult
    public func restamp(_ stream: StreamID, from sequence: UInt64) throws -> Int {
        guard stream.origin == replicaID else {
            throw FieldbookError(.invalidInput, "only a replica's own changes can be re-stamped")
        }
        return try withSession { session in
            guard let ref = try session.streamRef(stream, create: false) else { return 0 }
            let db = session.db
            let exported = UInt64(
                try Int64.fetchOne(db, sql: "SELECT exported FROM fb_streams WHERE id = ?", arguments: [ref]) ?? 0)
            let start = max(sequence, exported + 1)
            let held = try session.heldSequence(ref: ref)
            guard start <= held else { return 0 }
            session.clock.reset(now: session.now)
            // The persisted readings must come back down too, or the next session would
            // resume from the wrong time.
            try db.execute(
                sql: "UPDATE fb_streams SET clock = min(clock, ?) WHERE origin = ?",
                arguments: [session.clock.last.databaseInteger, try session.replicaRef(replicaID)])
            try db.execute(
                sql: "UPDATE fb_meta SET value = min(value, ?) WHERE key = 'clock'",
                arguments: [session.clock.last.databaseInteger])
            let low = LogID.make(stream: ref, sequence: start)
            let high = LogID.make(stream: ref, sequence: held)
            // The new stamps hold here only until the server confirms them: an office release
            // of the originals may have raced this re-stamp (`confirmRestamps`).
            try db.execute(
                sql: "UPDATE fb_streams SET unconfirmed = ?1 WHERE id = ?2 AND (unconfirmed = 0 OR unconfirmed > ?1)",
                arguments: [Int64(start), ref])
            // Certificates over the old stamps no longer match the changes; the next push
            // signs the new ones.
            try db.execute(
                sql: "DELETE FROM fb_certificates WHERE stream = ? AND through >= ?", arguments: [ref, Int64(start)])

            struct Key: Hashable {
                var column: Int64
                var row: Int64
                var time: Int64
            }

            /// The stamp the value a re-stamped change overwrote keeps: another replica's, our own
            /// re-stamped one, or our own from before the re-stamped range (in the log, or
            /// compacted with its stamp kept beside its digest: exported or released, others
            /// hold it with that stamp, seed 368). `nil` when there is none, or when it was our
            /// own compacted one of the re-stamped range (quarantined, merged nowhere): its old
            /// stamp must not drag the new one back into the future (seed 89).
            func keptPreviousStamp(
                _ row: Row, local: Int64, renamed: [Key: Int64], before low: Int64, in db: Database
            ) throws -> HLC? {
                guard let time = row["prev_hlc"] as Int64? else { return nil }
                guard (row["prev_origin"] as Int64?) == local else { return HLC(databaseInteger: time) }
                if let renamed = renamed[Key(column: row["col"], row: row["rid"], time: time)] {
                    return HLC(databaseInteger: renamed)
                }
                let kept = try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM fb_cells WHERE id BETWEEN ?1 AND ?2 AND col = ?3 AND rid = ?4 AND hlc = ?5)
                        OR EXISTS (SELECT 1 FROM fb_history WHERE id BETWEEN ?1 AND ?2 AND col = ?3 AND rid = ?4 AND hlc = ?5)
                        OR EXISTS (SELECT 1 FROM fb_digests WHERE stream = ?6 AND sequence < ?7 AND hlc = ?5)
                        """,
                    arguments: [
                        LogID.make(stream: LogID.stream(low), sequence: 0), low - 1, row["col"], row["rid"], time,
                        LogID.stream(low), Int64(LogID.sequence(low)),
                    ])
                return kept == true ? HLC(databaseInteger: time) : nil
            }
            var renamed: [Key: Int64] = [:]
            var touched: Set<[Int64]> = []
            let local = try session.replicaRef(replicaID)
            // New stamps in sequence order across both tables, so a later write of a cell
            // still sorts after the earlier one it overwrote.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT 'fb_cells' AS tbl, id, col, rid, hlc, prev_hlc, prev_origin FROM fb_cells
                    WHERE id BETWEEN ?1 AND ?2
                    UNION ALL SELECT 'fb_history', id, col, rid, hlc, prev_hlc, prev_origin FROM fb_history
                    WHERE id BETWEEN ?1 AND ?2
                    ORDER BY id
                    """,
                arguments: [low, high])
            var first = 0
            while first < rows.count {
                // Changes written together (a column group) share one stamp, and sit next to
                // each other in the log; they get one new stamp too, so they keep winning or
                // losing together. No two other writes of one replica share a stamp.
                var end = first + 1
                while end < rows.count, rows[end]["hlc"] as Int64 == rows[first]["hlc"] as Int64 { end += 1 }
                let write = rows[first..<end]
                first = end
                // The values it overwrote may keep a stamp ahead of the fixed clock (merged or
                // released before the re-stamp, or another replica's clock a little ahead): the
                // write must still sort after them, as a local write over such a value does.
                let previous = try write.compactMap {
                    try keptPreviousStamp($0, local: local, renamed: renamed, before: low, in: db)
                }.max()
                let time = session.clock.tick(now: session.now, after: previous).databaseInteger
                for row in write {
                    let table: String = row["tbl"]
                    try db.execute(
                        sql: "UPDATE \(table) SET hlc = ? WHERE id = ?", arguments: [time, row["id"] as Int64])
                    renamed[Key(column: row["col"], row: row["rid"], time: row["hlc"])] = time
                    touched.insert([row["col"], row["rid"]])
                }
            }
            // Our later writes to the same cells named the old stamps as `prev`.
            for table in ["fb_cells", "fb_history"] {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT id, col, rid, prev_hlc FROM \(table) WHERE id BETWEEN ? AND ? AND prev_origin = ?",
                    arguments: [low, high, local])
                for row in rows {
                    guard let time = renamed[Key(column: row["col"], row: row["rid"], time: row["prev_hlc"])] else {
                        continue
                    }
                    try db.execute(
                        sql: "UPDATE \(table) SET prev_hlc = ? WHERE id = ?", arguments: [time, row["id"] as Int64])
                }
            }
            for cell in touched { try session.reelect(column: cell[0], row: cell[1]) }
            return renamed.count
        }

    }
}

extension StoreSession {
    /// Makes the highest-stamped version of a cell its winner again, after stamps moved.
    func reelect(column: Int64, row: Int64) throws {
        guard let entry = catalog.columns.byID[column] else { return }
        let table = entry.table.name.quotedIdentifier
        let name = entry.column.name.quotedIdentifier
        let version = StoreMigrations.versionColumn(entry.column.name).quotedIdentifier
        guard
            let winner = try Row.fetchOne(
                db,
                sql:
                    "SELECT c.*, t.\(name) AS value FROM \(table) t JOIN fb_cells c ON c.id = t.\(version) WHERE t.rowid = ?",
                arguments: [row])
        else { return }
        func stamp(_ row: Row) throws -> Stamp {
            Stamp(time: HLC(databaseInteger: row["hlc"]), origin: try stream(ref: LogID.stream(row["id"])).origin)
        }
        let winnerStamp = try stamp(winner)
        var best: (row: Row, stamp: Stamp)?
        for candidate in try Row.fetchAll(
            db, sql: "SELECT * FROM fb_history WHERE rid = ? AND col = ?", arguments: [row, column])
        {
            let candidateStamp = try stamp(candidate)
            if candidateStamp > (best?.stamp ?? winnerStamp) { best = (candidate, candidateStamp) }
        }
        guard let best else { return }
        try db.execute(
            sql: """
                INSERT INTO fb_history (id, col, rid, hlc, prev_hlc, prev_origin, value, superseded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                winner["id"], column, row, winner["hlc"], winner["prev_hlc"], winner["prev_origin"],
                winner["value"] as DatabaseValue, Int64(now),
            ])
        try db.execute(sql: "DELETE FROM fb_cells WHERE id = ?", arguments: [winner["id"] as Int64])
        try db.execute(
            sql: "INSERT INTO fb_cells (id, col, rid, hlc, prev_hlc, prev_origin) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [best.row["id"], column, row, best.row["hlc"], best.row["prev_hlc"], best.row["prev_origin"]])
        try db.execute(sql: "DELETE FROM fb_history WHERE id = ?", arguments: [best.row["id"] as Int64])
        try db.execute(
            sql: "UPDATE \(table) SET \(name) = ?, \(version) = ? WHERE rowid = ?",
            arguments: [best.row["value"] as DatabaseValue, best.row["id"] as Int64, row])
        lastLookup = nil
    }
}
