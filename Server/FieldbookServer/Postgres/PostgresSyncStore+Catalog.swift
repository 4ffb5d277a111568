import FieldbookCore
import PostgresNIO

extension PostgresSyncStore {
    /// Reads every registered column into the catalog and registers the ledger's.
    func loadCatalog() async throws {
        _ = try await columnIDs(Set(PostgresColumnCatalog.ledgerColumns))
        try await withConnection { connection in
            for try await (id, table, column) in try await connection.query(
                "SELECT id, tbl, col FROM fb_columns", logger: self.options.logger
            ).decode((Int32, String, String).self) {
                self.catalog.add(ColumnName(table, column), id: id)
            }
        }
    }

    /// The IDs of `names`, registering the ones the database does not have yet.
    ///
    /// Registration runs in its own short transaction, before any merge transaction:
    /// a column row is harmless even if the merge that needed it fails, and a merge
    /// never waits on another process's uncommitted registration.
    func columnIDs(_ names: Set<ColumnName>) async throws -> [ColumnName: Int32] {
        var (known, missing) = catalog.ids(of: names)
        guard !missing.isEmpty else { return known }
        missing.sort { ($0.table, $0.column) < ($1.table, $1.column) }
        let tables = missing.map(\.table)
        let columns = missing.map(\.column)
        let rows = try await withConnection { connection in
            try await connection.query(
                """
                INSERT INTO fb_columns (tbl, col) SELECT * FROM unnest(\(tables)::text[], \(columns)::text[])
                ON CONFLICT (tbl, col) DO NOTHING
                """, logger: self.options.logger
            ).drain()
            var rows: [(Int32, String, String)] = []
            for try await row in try await connection.query(
                """
                SELECT c.id, c.tbl, c.col FROM fb_columns c
                JOIN unnest(\(tables)::text[], \(columns)::text[]) AS w(tbl, col) ON c.tbl = w.tbl AND c.col = w.col
                """, logger: self.options.logger
            ).decode((Int32, String, String).self) {
                rows.append(row)
            }
            return rows
        }
        for (id, table, column) in rows {
            catalog.add(ColumnName(table, column), id: id)
            known[ColumnName(table, column)] = id
        }
        return known
    }

    /// The names of column IDs, asking the database for those another process registered.
    ///
    /// - Throws: `.corrupt` for an ID the database does not have either.
    func columnNames(_ ids: Set<Int32>, on connection: PostgresConnection) async throws -> [Int32: ColumnName] {
        var names: [Int32: ColumnName] = [:]
        var unknown: [Int32] = []
        for id in ids {
            if let name = catalog.name(of: id) { names[id] = name } else { unknown.append(id) }
        }
        guard !unknown.isEmpty else { return names }
        for try await (id, table, column) in try await connection.query(
            "SELECT id, tbl, col FROM fb_columns WHERE id = ANY(\(unknown)::int4[])", logger: options.logger
        ).decode((Int32, String, String).self) {
            catalog.add(ColumnName(table, column), id: id)
            names[id] = ColumnName(table, column)
        }
        for id in unknown where names[id] == nil {
            throw FieldbookError(
                .corrupt, "the PostgreSQL store names an unknown column #\(id); restore it from a backup")
        }
        return names
    }
}
