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
        var rows = RawStatement(statement)
        defer { rows.reset() }
        rows.bind(low)
        rows.bind(high)
        rows.bind(Int64(limit))
        while try rows.step() {
            guard let entry = catalog.columns.byID[rows.int64(1)] else {
                throw FieldbookError(.corrupt, "replica file is damaged: unknown column #\(rows.int64(1))")
            }
            let isWinner = rows.int64(7) == 0
            let stored = try materialized(entry, rowID: rows.int64(2), withValue: isWinner)
            changes.append(
                Change(
                    partition: stream.partition, table: entry.table.name, key: stored.key, column: entry.column.name,
                    value: stored.value ?? rows.value(6),
                    stamp: Stamp(time: HLC(databaseInteger: rows.int64(3)), origin: stream.origin),
                    sequence: LogID.sequence(rows.int64(0)),
                    previous: try previousStamp(time: rows.optionalInt64(4), origin: rows.optionalInt64(5))))
        }
        let pending = try pendingChanges(in: stream, low: low, high: high, limit: limit)
        guard !pending.isEmpty else { return changes }
        return Array((changes + pending).sorted { $0.sequence < $1.sequence }.prefix(limit))
    }

    /// The key and (for a winner) the value of a materialized row.
    func materialized(_ entry: ColumnCatalog.Entry, rowID: Int64, withValue: Bool) throws -> (
        key: RowKey, value: Value?
    ) {
        var row = RawStatement(try statements(entry).read)
        row.bind(rowID)
        defer { row.reset() }
        guard try row.step() else {
            throw FieldbookError(.corrupt, "replica file is damaged: log names a missing row of \(entry.table.name)")
        }
        guard let first = row.id(0), entry.table.keyColumns.count == 1 || row.id(1) != nil else {
            throw FieldbookError(.corrupt, "replica file is damaged: bad key in \(entry.table.name)")
        }
        let keyCount = Int32(entry.table.keyColumns.count)
        let key = keyCount == 2 ? RowKey(RowID(first), RowID(row.id(1)!)) : RowKey(RowID(first))
        return (key, withValue ? row.value(keyCount) : nil)
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
