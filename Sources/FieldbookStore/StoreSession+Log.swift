import FieldbookCore
import Foundation
import GRDB

extension StoreSession: ChangeSource {
    func knowledge() throws -> Knowledge {
        var knowledge = Knowledge()
        let rows = try Row.fetchAll(db, sql: "SELECT id, partition, origin, held FROM fb_streams WHERE held > 0")
        for row in rows {
            let ref: Int64 = row["id"]
            let stream = try stream(ref: ref)
            knowledge[stream] = held[ref] ?? UInt64(row["held"] as Int64)
        }
        // Entries raised in this session but not yet flushed.
        for ref in dirtyHeld { knowledge[try stream(ref: ref)] = held[ref] ?? 0 }
        return knowledge
    }

    func changes(in stream: StreamID, after: UInt64, limit: Int) throws -> [Change] {
        guard let ref = try streamRef(stream, create: false), after < LogID.maximumSequence else { return [] }
        let low = LogID.make(stream: ref, sequence: after + 1)
        let high = LogID.make(stream: ref, sequence: LogID.maximumSequence)
        let statement = try db.cachedStatement(
            sql: """
                SELECT id, col, rid, hlc, prev_hlc, prev_origin, NULL AS value, 0 AS winner FROM fb_cells WHERE id BETWEEN ?1 AND ?2
                UNION ALL
                SELECT id, col, rid, hlc, prev_hlc, prev_origin, value, 1 FROM fb_history WHERE id BETWEEN ?1 AND ?2
                ORDER BY id LIMIT ?3
                """)
        var changes: [Change] = []
        let rows = try Row.fetchCursor(statement, arguments: [low, high, limit])
        while let row = try rows.next() {
            guard let entry = catalog.columns.byID[row[1]] else {
                throw FieldbookError(.corrupt, "replica file is damaged: unknown column #\(row[1] as Int64)")
            }
            let stored = try materialized(entry, rowID: row[2], withValue: row[7] as Int64 == 0)
            changes.append(
                Change(
                    partition: stream.partition, table: entry.table.name, key: stored.key, column: entry.column.name,
                    value: stored.value ?? Value(row[6] as DatabaseValue),
                    stamp: Stamp(time: HLC(databaseInteger: row[3]), origin: stream.origin),
                    sequence: LogID.sequence(row[0]), previous: try previousStamp(time: row[4], origin: row[5])))
        }
        let pending = try pendingChanges(in: stream, low: low, high: high, limit: limit)
        guard !pending.isEmpty else { return changes }
        return Array((changes + pending).sorted { $0.sequence < $1.sequence }.prefix(limit))
    }

    /// The key and (for a winner) the value of a materialized row.
    func materialized(_ entry: ColumnCatalog.Entry, rowID: Int64, withValue: Bool) throws -> (
        key: RowKey, value: Value?
    ) {
        let statement = try db.cachedStatement(sql: entry.sql.read)
        guard let row = try Row.fetchOne(statement, arguments: [rowID]) else {
            throw FieldbookError(.corrupt, "replica file is damaged: log names a missing row of \(entry.table.name)")
        }
        let key = try rowKey(row, table: entry.table, offset: 0)
        return (key, withValue ? Value(row[entry.table.keyColumns.count] as DatabaseValue) : nil)
    }

    /// Held changes of tables or columns this schema does not know.
    func pendingChanges(in stream: StreamID, low: Int64, high: Int64, limit: Int) throws -> [Change] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT id, tbl, col, row_key, hlc, prev_hlc, prev_origin, value FROM fb_pending
                WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?
                """)
        return try Row.fetchAll(statement, arguments: [low, high, limit]).map { row in
            try pendingChange(row, stream: stream)
        }
    }

    func pendingChange(_ row: Row, stream: StreamID) throws -> Change {
        guard let key = RowKey(bytes: [UInt8](row["row_key"] as Data)) else {
            throw FieldbookError(.corrupt, "replica file is damaged: bad row key in a held change")
        }
        return Change(
            partition: stream.partition, table: row["tbl"], key: key, column: row["col"],
            value: Value(row["value"] as DatabaseValue),
            stamp: Stamp(time: HLC(databaseInteger: row["hlc"]), origin: stream.origin),
            sequence: LogID.sequence(row["id"]),
            previous: try previousStamp(time: row["prev_hlc"], origin: row["prev_origin"]))
    }
}
