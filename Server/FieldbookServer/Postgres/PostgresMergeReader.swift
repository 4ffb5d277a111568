import FieldbookCore
import Logging
import PostgresNIO

/// The reads of one merge transaction: the partition locks, then everything the batch
/// touches in one set-based query per kind (arrays passed whole and `unnest`ed).
struct PostgresMergeReader {
    let connection: PostgresConnection
    let columns: [ColumnName: Int32]
    let catalog: PostgresColumnCatalog
    let logger: Logger

    /// Takes the transaction-scoped advisory lock of every partition, in sorted order so
    /// two merges never wait on each other in a cycle. Two partitions that hash alike
    /// only share a lock: slower, never wrong.
    func lock(_ partitions: Set<PartitionID>) async throws {
        let keys = Set(partitions.map(Self.lockKey)).sorted()
        try await connection.query(
            """
            SELECT pg_advisory_xact_lock(\(PostgresMigrations.partitionLock), k) FROM unnest(\(keys)::int4[]) AS k
            """, logger: logger
        ).drain()
    }

    static func lockKey(_ partition: PartitionID) -> Int32 {
        var hash = StableHash128()
        hash.combine(partition.rawValue.bytes)
        return Int32(truncatingIfNeeded: hash.finalize().low)
    }

    /// Locks the replica row (held until commit) and returns the last stamped time.
    func lockStampClock() async throws -> HLC {
        PostgresCoding.time(
            try await connection.query("SELECT clock FROM fb_replica FOR UPDATE", logger: logger).single(Int64.self)
                ?? 0)
    }

    /// Reads the vector entries of `streams`, creating the rows of new streams (their
    /// partitions are locked, so no other merge creates them meanwhile), and this
    /// replica's clock: the latest time observed in any partition or stamped.
    ///
    /// - Returns: the clock, or `nil` when `streams` is empty.
    @discardableResult
    func readStreams(_ streams: Set<StreamID>, into inputs: inout PostgresMergeTarget.Inputs) async throws -> HLC? {
        guard !streams.isEmpty else { return nil }
        let sorted = streams.sorted()
        let partitions = sorted.map { PostgresCoding.bytes($0.partition.rawValue) }
        let origins = sorted.map { PostgresCoding.bytes($0.origin.rawValue) }
        let rows = try await connection.query(
            """
            WITH wanted AS (SELECT * FROM unnest(\(partitions)::bytea[], \(origins)::bytea[]) AS w(partition, origin)),
            created AS (
                INSERT INTO fb_streams (partition, origin) SELECT partition, origin FROM wanted
                ON CONFLICT (partition, origin) DO NOTHING RETURNING id, partition, origin, held)
            SELECT id, partition, origin, held, clock FROM (
                SELECT id, partition, origin, held FROM created
                UNION ALL
                SELECT s.id, s.partition, s.origin, s.held FROM fb_streams s
                JOIN wanted w ON s.partition = w.partition AND s.origin = w.origin) AS found
            CROSS JOIN (
                SELECT GREATEST((SELECT clock FROM fb_replica), (SELECT COALESCE(max(clock), 0) FROM fb_partitions))
                    AS clock) AS replica
            """, logger: logger)
        var clock: Int64 = 0
        for try await (id, partition, origin, held, time) in rows.decode(
            (Int64, ByteBuffer, ByteBuffer, Int64, Int64).self)
        {
            let stream = StreamID(
                partition: PartitionID(try PostgresCoding.bytes16(partition)),
                origin: ReplicaID(try PostgresCoding.bytes16(origin)))
            inputs.streams[stream] = (id, UInt64(held))
            clock = time
        }
        return PostgresCoding.time(clock)
    }

    /// Reads the winners of `cells`; the ones with none are recorded as absent.
    func readCells(_ cells: Set<CellAddress>, into inputs: inout PostgresMergeTarget.Inputs) async throws {
        guard !cells.isEmpty else { return }
        var ids: [Int32] = []
        var keys: [ByteBuffer] = []
        ids.reserveCapacity(cells.count)
        keys.reserveCapacity(cells.count)
        for cell in cells {
            guard let id = columns[ColumnName(cell)] else {
                throw FieldbookError(.internal, "column \(cell.table).\(cell.column) has no ID")
            }
            ids.append(id)
            keys.append(PostgresCoding.key(cell.key))
        }
        let rows = try await connection.query(
            """
            SELECT c.col, c.key, c.stream, c.seq, c.hlc, c.prev_hlc, c.prev_origin, c.value, s.origin
            FROM unnest(\(ids)::int4[], \(keys)::bytea[]) AS w(col, key)
            JOIN fb_cells c ON c.col = w.col AND c.key = w.key
            JOIN fb_streams s ON s.id = c.stream
            """, logger: logger)
        var found: Set<CellAddress> = []
        for try await (id, key, stream, sequence, time, previousTime, previousOrigin, value, origin) in rows.decode(
            (Int32, ByteBuffer, Int64, Int64, Int64, Int64?, ByteBuffer?, ByteBuffer, ByteBuffer).self)
        {
            guard let name = catalog.name(of: id) else {
                throw FieldbookError(.corrupt, "the PostgreSQL store names an unknown column #\(id)")
            }
            let cell = CellAddress(table: name.table, key: try PostgresCoding.key(key), column: name.column)
            let version = CellVersion(
                stamp: Stamp(time: PostgresCoding.time(time), origin: ReplicaID(try PostgresCoding.bytes16(origin))),
                previous: try PostgresCoding.previous(time: previousTime, origin: previousOrigin),
                value: try PostgresCoding.decode(value))
            inputs.cells[cell] = .init(version: version, stream: stream, sequence: UInt64(sequence))
            found.insert(cell)
        }
        inputs.absent.formUnion(cells.subtracting(found))
    }

    /// Reads whether each ledger row has any cell in the database.
    func readLedgerRows(_ rows: Set<RowKey>, into inputs: inout PostgresMergeTarget.Inputs) async throws {
        guard !rows.isEmpty else { return }
        let ledger = PostgresColumnCatalog.ledgerColumns.compactMap { columns[$0] } + catalog.ledgerIDs
        let keys = rows.map(PostgresCoding.key)
        for row in rows { inputs.ledgerRows[row] = false }
        for try await key in try await connection.query(
            """
            SELECT DISTINCT key FROM fb_cells WHERE col = ANY(\(Array(Set(ledger)))::int4[]) AND key = ANY(\(keys)::bytea[])
            """, logger: logger
        ).decode(ByteBuffer.self) {
            inputs.ledgerRows[try PostgresCoding.key(key)] = true
        }
    }

    /// Reads what a merge run asked for and could not be told.
    func complete(_ inputs: inout PostgresMergeTarget.Inputs, from target: PostgresMergeTarget) async throws {
        try await readStreams(target.missingStreams, into: &inputs)
        try await readLedgerRows(target.missingLedgerRows, into: &inputs)
        // Cells of ledger rows now known to be absent need no query.
        let cells = target.missingCells.filter {
            !($0.table == ConflictEntry.table && inputs.ledgerRows[$0.key] == false)
        }
        try await readCells(cells, into: &inputs)
    }
}
