import Fieldbook
import FieldbookCore

extension SQLiteConsoleStore {
    /// The versions of records' fields: the current ones through each row's `<column>__v`
    /// pointers into `fb_cells` (so no scan of the cells), the superseded ones from
    /// `fb_history` by the rows' rowids.
    ///
    /// - Complexity: two queries per table among `records`.
    public func versions(of records: [RecordAddress]) async throws -> [RecordChange] {
        var changes: [RecordChange] = []
        for (tableName, group) in Dictionary(grouping: records, by: \.table).sorted(by: { $0.key < $1.key }) {
            guard let table = NPQSchema.current.table(tableName) else { continue }
            // Row values, `(t.event_id, t.participant_id) IN (VALUES (?, ?), …)`: a key's parts
            // are its columns (the SQLite tables keep no whole-key column).
            let keyColumns = "(" + table.keyColumns.map { "t.\"\($0)\"" }.joined(separator: ", ") + ")"
            let tuple = "(" + Array(repeating: "?", count: table.keyColumns.count).joined(separator: ", ") + ")"
            let keys = group.flatMap { record in record.key.parts.map { SQLValue.id($0) } }
            let inKeys = "(VALUES " + Array(repeating: tuple, count: group.count).joined(separator: ", ") + ")"
            let selectKeys = table.keyColumns.enumerated().map { "t.\"\($1)\" AS k\($0)" }.joined(separator: ", ")
            // The row's own values are its current versions; each column's __v names its cell.
            let current = table.allColumns.map { column in
                """
                SELECT t.rowid AS rid, \(selectKeys), '\(column.name)' AS col,
                       t."\(column.name)" AS value, c.hlc, r.replica AS origin
                FROM "\(table.name)" t JOIN fb_cells c ON c.id = t."\(column.name)__v"
                JOIN fb_streams s ON s.id = c.id >> 32 JOIN fb_replicas r ON r.id = s.origin
                WHERE \(keyColumns) IN \(inKeys)
                """
            }.joined(separator: "\nUNION ALL\n")
            var rowKeys: [Int64: RowKey] = [:]
            for row in try await query(current, Array(repeating: keys, count: table.allColumns.count).flatMap { $0 }) {
                let parts = table.keyColumns.indices.compactMap { row.id("k\($0)") }
                guard let first = parts.first, let rid = row.values["rid"]?.integer else { continue }
                let key = parts.count > 1 ? RowKey(first, parts[1]) : RowKey(first)
                rowKeys[rid] = key
                changes.append(
                    RecordChange(table: table.name, key: key, column: row["col"] ?? "", row: row, outcome: .current))
            }
            guard !rowKeys.isEmpty else { continue }
            for row in try await query(
                """
                SELECT h.rid, f.col, h.value, h.hlc, r.replica AS origin
                FROM fb_history h JOIN fb_columns f ON f.id = h.col
                JOIN fb_streams s ON s.id = h.id >> 32 JOIN fb_replicas r ON r.id = s.origin
                WHERE f.tbl = ? AND h.rid IN (\(rowKeys.keys.map(String.init).joined(separator: ", ")))
                """, [.text(table.name)])
            {
                guard let rid = row.values["rid"]?.integer, let key = rowKeys[rid] else { continue }
                changes.append(
                    RecordChange(table: table.name, key: key, column: row["col"] ?? "", row: row, outcome: .superseded))
            }
        }
        return changes
    }
}
