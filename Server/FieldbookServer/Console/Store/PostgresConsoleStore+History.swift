import FieldbookCore

extension PostgresConsoleStore {
    /// The versions of records' fields: the current ones from `fb_cells` by (column, key),
    /// its primary key, and the superseded ones from `fb_history`.
    ///
    /// - Complexity: two queries.
    public func versions(of records: [RecordAddress]) async throws -> [RecordChange] {
        let tables = Array(Set(records.map(\.table))).sorted()
        let keys = records.map { SQLValue.blob($0.key.bytes) }
        let wanted = Set(records)
        func list(_ count: Int) -> String { "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")" }
        var changes: [RecordChange] = []
        for (source, outcome) in [("fb_cells", RecordChange.Outcome.current), ("fb_history", .superseded)] {
            for row in try await query(
                """
                SELECT f.tbl, f.col, x.key, fb_text(x.value) AS value, x.hlc, s.origin
                FROM \(source) x JOIN fb_columns f ON f.id = x.col JOIN fb_streams s ON s.id = x.stream
                WHERE f.tbl IN \(list(tables.count)) AND x.key IN \(list(keys.count))
                """, tables.map(SQLValue.text) + keys)
            {
                guard case .blob(let bytes)? = row.values["key"], let key = RowKey(bytes: bytes),
                    let table = row["tbl"], wanted.contains(RecordAddress(table: table, key: key))
                else { continue }
                changes.append(
                    RecordChange(table: table, key: key, column: row["col"] ?? "", row: row, outcome: outcome))
            }
        }
        return changes
    }
}
