import Fieldbook
import FieldbookCore
import PostgresNIO

extension PostgresSyncStore {
    /// Writes `value` to a cell as this server's own replicated change, and closes the
    /// cell's open conflict ledger entries in the same transaction: what the SQLite
    /// store's local write does when the office keeps a version of a conflicting cell.
    ///
    /// - Returns: the number of ledger entries closed.
    /// - Throws: `.notFound` when the server holds no cell of the row.
    @discardableResult
    public func writeDecision(_ cell: CellAddress, value: Value) async throws -> Int {
        try await writeDecision([(cell, value)])
    }

    /// Writes cells of one row (a column group: an attendance mark's status and remark) as
    /// this server's own replicated changes under one stamp, and closes every open
    /// conflict ledger entry of those cells in the same transaction: what the SQLite
    /// store's local write does when the office keeps a version of a conflicting record.
    ///
    /// The changes go into the server's stream of the row's partition with the next
    /// sequences and one stamp from the server's hybrid clock, above the current version
    /// of each cell (so the group wins or loses whole, PROTOCOL.md §13.1), even when a
    /// value is the current one; laptops pull them on their next sync like any other
    /// change and close the same entries on their side. It runs as a merge does: under the
    /// partition's lock and the replica row's stamp lock, written by the merge's own writer.
    ///
    /// - Parameter cells: each cell with its value, `nil` to write its current value again.
    /// - Returns: the number of ledger entries closed.
    /// - Throws: `.notFound` when the server holds no cell of the row.
    @discardableResult
    public func writeDecision(_ cells: [(cell: CellAddress, value: Value?)]) async throws -> Int {
        guard let first = cells.first?.cell else { return 0 }
        guard cells.allSatisfy({ $0.cell.table == first.table && $0.cell.key == first.key }) else {
            throw FieldbookError(.internal, "a decision writes cells of one row")
        }
        let columns = try await columnIDs(Set(cells.map { ColumnName($0.cell) } + PostgresColumnCatalog.ledgerColumns))
        var attempt = 0
        while true {
            do {
                return try await withConnection { connection in
                    try await connection.inTransaction(
                        "BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.options.logger
                    ) {
                        try await self.writeDecision(cells, on: connection, columns: columns)
                    }
                }
            } catch let error as FieldbookError
                where error.underlying.map(PostgresErrors.isRetryable) == true && attempt < options.retries
            {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 << min(attempt, 5)))))
            }
        }
    }

    private func writeDecision(
        _ cells: [(cell: CellAddress, value: Value?)], on connection: PostgresConnection,
        columns: [ColumnName: Int32]
    ) async throws -> Int {
        let logger = options.logger
        let partition = try await partition(of: cells[0].cell, on: connection)
        let reader = PostgresMergeReader(connection: connection, columns: columns, catalog: catalog, logger: logger)
        try await reader.lock([partition])
        var open: [RowKey] = []
        for (cell, _) in cells { open += try await openLedgerEntries(of: cell, on: connection, columns: columns) }
        let now = options.wallClock.milliseconds()
        var inputs = PostgresMergeTarget.Inputs(clock: HybridClock(maximumDrift: options.maximumDrift))
        let clock = try await reader.readStreams([StreamID(partition: partition, origin: replicaID)], into: &inputs)
        // The stamp lock first: a merge stamping ledger rows meanwhile must not take our time.
        let stamped = try await reader.lockStampClock()
        inputs.clock = HybridClock(last: max(clock ?? .zero, stamped), maximumDrift: options.maximumDrift)
        let ledger = open.flatMap { key in
            [ConflictEntry.Column.resolvedTime, ConflictEntry.Column.resolvedBy].map {
                CellAddress(table: ConflictEntry.table, key: key, column: $0)
            }
        }
        try await reader.readCells(Set(cells.map(\.cell) + ledger), into: &inputs)

        let target = PostgresMergeTarget(inputs: inputs, local: replicaID, now: now)
        // One stamp for the whole write, above every cell's current version.
        let currents = cells.map { target.winner(of: $0.cell)?.version }
        let time = target.clock.tick(now: now, after: currents.compactMap { $0?.stamp.time }.max())
        if time > target.clock.last { target.clock = HybridClock(last: time, maximumDrift: options.maximumDrift) }
        for ((cell, value), current) in zip(cells, currents) {
            try target.write(
                cell, partition: partition, value: value ?? current?.value ?? .null, decision: true, at: time)
        }
        guard cells.allSatisfy({ target.installed[$0.cell]?.version.stamp.time == time }), target.isComplete else {
            throw FieldbookError(.internal, "the decision on \(cells[0].cell.table) was not written")
        }
        for key in open {
            let entry = { CellAddress(table: ConflictEntry.table, key: key, column: $0) }
            try target.write(
                entry(ConflictEntry.Column.resolvedTime), partition: partition,
                value: .integer(PostgresCoding.time(time)))
            try target.write(
                entry(ConflictEntry.Column.resolvedBy), partition: partition, value: .blob(replicaID.rawValue.bytes))
        }
        try await PostgresMergeWriter(connection: connection, columns: columns, logger: logger, now: now)
            .flush(target, partitions: [partition])
        return open.count
    }

    /// The partition of the row a cell belongs to: that of any cell of the row the server
    /// holds (a row belongs to one partition for its life).
    private func partition(of cell: CellAddress, on connection: PostgresConnection) async throws -> PartitionID {
        let rows = try await connection.query(
            """
            SELECT s.partition FROM fb_cells c JOIN fb_columns f ON f.id = c.col JOIN fb_streams s ON s.id = c.stream
            WHERE f.tbl = \(cell.table) AND c.key = \(PostgresCoding.key(cell.key)) LIMIT 1
            """, logger: options.logger)
        for try await partition in rows.decode(ByteBuffer.self) {
            return PartitionID(try PostgresCoding.bytes16(partition))
        }
        throw FieldbookError(.notFound, "the server holds no \(cell.table) row \(cell.key)")
    }

    /// The keys of the ledger entries about `cell` that are still open, oldest first.
    private func openLedgerEntries(
        of cell: CellAddress, on connection: PostgresConnection, columns: [ColumnName: Int32]
    ) async throws -> [RowKey] {
        func id(_ column: String) -> Int32 { columns[ColumnName(ConflictEntry.table, column)] ?? -1 }
        let rows = try await connection.query(
            """
            SELECT t.key FROM fb_cells t
            JOIN fb_cells k ON k.key = t.key AND k.col = \(id(ConflictEntry.Column.rowKey))
                AND k.value = \(PostgresCoding.encode(.blob(cell.key.bytes)))
            JOIN fb_cells c ON c.key = t.key AND c.col = \(id(ConflictEntry.Column.column))
                AND c.value = \(PostgresCoding.encode(.text(cell.column)))
            WHERE t.col = \(id(ConflictEntry.Column.table)) AND t.value = \(PostgresCoding.encode(.text(cell.table)))
            AND NOT EXISTS (
                SELECT 1 FROM fb_cells r WHERE r.key = t.key AND r.col = \(id(ConflictEntry.Column.resolvedTime))
                AND r.value <> \(PostgresCoding.encode(.null)))
            ORDER BY t.key
            """, logger: options.logger)
        var keys: [RowKey] = []
        for try await key in rows.decode(ByteBuffer.self) { keys.append(try PostgresCoding.key(key)) }
        return keys
    }
}

extension PostgresSyncStore {
    /// The winning value of a cell, `nil` when the server holds none.
    public func value(of cell: CellAddress) async throws -> Value? {
        guard let column = try await columnIDs([ColumnName(cell)])[ColumnName(cell)] else { return nil }
        return try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT value FROM fb_cells WHERE col = \(column) AND key = \(PostgresCoding.key(cell.key))",
                logger: self.options.logger)
            for try await value in rows.decode(ByteBuffer.self) { return try PostgresCoding.decode(value) }
            return nil
        }
    }
}
