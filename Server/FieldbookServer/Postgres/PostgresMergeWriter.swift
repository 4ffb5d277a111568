import FieldbookCore
import Logging
import PostgresNIO

/// The writes of one merge transaction: everything the merge decided, in at most
/// seven multi-row statements whatever the batch size.
///
/// Cell writes are conditional: an existing winner is replaced only if it is still the
/// one the merge read, and a new cell is inserted only if none appeared meanwhile. The
/// partition locks already rule both out; the conditions make a write that slipped past
/// them (a client writing one row key into two partitions at once) fail the transaction,
/// to be retried, instead of losing an update.
struct PostgresMergeWriter {
    let connection: PostgresConnection
    let columns: [ColumnName: Int32]
    let logger: Logger
    let now: UInt64

    /// Column arrays of cell rows, one element per row.
    struct CellRows {
        var columns: [Int32] = []
        var keys: [ByteBuffer] = []
        var streams: [Int64] = []
        var sequences: [Int64] = []
        var times: [Int64] = []
        var previousTimes: [Int64] = []
        var previousOrigins: [ByteBuffer] = []
        var values: [ByteBuffer] = []

        var count: Int { keys.count }

        mutating func append(column: Int32, key: RowKey, winner: PostgresMergeTarget.Winner) {
            columns.append(column)
            keys.append(PostgresCoding.key(key))
            streams.append(winner.stream)
            sequences.append(Int64(winner.sequence))
            times.append(PostgresCoding.time(winner.version.stamp.time))
            previousTimes.append(winner.version.previous.map { PostgresCoding.time($0.time) } ?? 0)
            previousOrigins.append(
                winner.version.previous.map { PostgresCoding.bytes($0.origin.rawValue) } ?? PostgresCoding.none)
            values.append(PostgresCoding.encode(winner.version.value))
        }
    }

    func id(_ cell: CellAddress) throws -> Int32 {
        guard let id = columns[ColumnName(cell)] else {
            throw FieldbookError(.internal, "column \(cell.table).\(cell.column) has no ID")
        }
        return id
    }

    func flush(_ target: PostgresMergeTarget, partitions: Set<PartitionID>) async throws {
        var updates = CellRows()
        var replaced: (streams: [Int64], sequences: [Int64]) = ([], [])
        var inserts = CellRows()
        for (cell, winner) in target.installed {
            if let stored = target.inputs.cells[cell] {
                updates.append(column: try id(cell), key: cell.key, winner: winner)
                replaced.streams.append(stored.stream)
                replaced.sequences.append(Int64(stored.sequence))
            } else {
                inserts.append(column: try id(cell), key: cell.key, winner: winner)
            }
        }
        if updates.count > 0 { try await update(updates, replacing: replaced) }
        if inserts.count > 0 { try await insert(inserts) }

        var history = CellRows()
        for (cell, winner) in target.history { history.append(column: try id(cell), key: cell.key, winner: winner) }
        if history.count > 0 { try await insertHistory(history) }
        try await writeQuarantine(target)

        let dirty = target.dirtyStreams.sorted()
        if !dirty.isEmpty {
            let ids = dirty.map { target.streams[$0]!.ref }
            let held = dirty.map { Int64(target.streams[$0]!.held) }
            try await run(
                """
                UPDATE fb_streams s SET held = v.held FROM unnest(\(ids)::int8[], \(held)::int8[]) AS v(id, held)
                WHERE s.id = v.id
                """)
        }
        if target.clock.last > target.inputs.clock.last {
            try await run(
                """
                INSERT INTO fb_partitions (partition, clock)
                SELECT p, \(PostgresCoding.time(target.clock.last)) FROM unnest(\(partitions.sorted().map { PostgresCoding.bytes($0.rawValue) })::bytea[]) AS p
                ON CONFLICT (partition) DO UPDATE SET clock = GREATEST(fb_partitions.clock, excluded.clock)
                """)
        }
        if target.ticked {
            try await run("UPDATE fb_replica SET clock = GREATEST(clock, \(PostgresCoding.time(target.clock.last)))")
        }
    }

    private func update(_ rows: CellRows, replacing replaced: (streams: [Int64], sequences: [Int64])) async throws {
        let changed = try await connection.query(
            """
            WITH changed AS (
                UPDATE fb_cells c SET stream = v.stream, seq = v.seq, hlc = v.hlc,
                    prev_hlc = CASE WHEN v.prev_origin = ''::bytea THEN NULL ELSE v.prev_hlc END,
                    prev_origin = NULLIF(v.prev_origin, ''::bytea), value = v.value
                FROM unnest(\(rows.columns)::int4[], \(rows.keys)::bytea[], \(rows.streams)::int8[],
                    \(rows.sequences)::int8[], \(rows.times)::int8[], \(rows.previousTimes)::int8[],
                    \(rows.previousOrigins)::bytea[], \(rows.values)::bytea[], \(replaced.streams)::int8[],
                    \(replaced.sequences)::int8[])
                    AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value, old_stream, old_seq)
                WHERE c.col = v.col AND c.key = v.key AND c.stream = v.old_stream AND c.seq = v.old_seq
                RETURNING 1)
            SELECT count(*) FROM changed
            """, logger: logger
        ).single(Int64.self)
        guard changed == Int64(rows.count) else {
            throw PostgresErrors.ConcurrentWrite(what: "a cell changed while its partition was locked")
        }
    }

    private func insert(_ rows: CellRows) async throws {
        let inserted = try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO fb_cells (col, key, stream, seq, hlc, prev_hlc, prev_origin, value)
                SELECT col, key, stream, seq, hlc, CASE WHEN prev_origin = ''::bytea THEN NULL ELSE prev_hlc END,
                    NULLIF(prev_origin, ''::bytea), value
                FROM unnest(\(rows.columns)::int4[], \(rows.keys)::bytea[], \(rows.streams)::int8[],
                    \(rows.sequences)::int8[], \(rows.times)::int8[], \(rows.previousTimes)::int8[],
                    \(rows.previousOrigins)::bytea[], \(rows.values)::bytea[])
                    AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value)
                ON CONFLICT (col, key) DO NOTHING
                RETURNING 1)
            SELECT count(*) FROM inserted
            """, logger: logger
        ).single(Int64.self)
        guard inserted == Int64(rows.count) else {
            throw PostgresErrors.ConcurrentWrite(what: "a cell appeared while its partition was locked")
        }
    }

    private func insertHistory(_ rows: CellRows) async throws {
        try await run(
            """
            INSERT INTO fb_history (stream, seq, col, key, hlc, prev_hlc, prev_origin, value, superseded)
            SELECT stream, seq, col, key, hlc, CASE WHEN prev_origin = ''::bytea THEN NULL ELSE prev_hlc END,
                NULLIF(prev_origin, ''::bytea), value, \(Int64(now))
            FROM unnest(\(rows.columns)::int4[], \(rows.keys)::bytea[], \(rows.streams)::int8[],
                \(rows.sequences)::int8[], \(rows.times)::int8[], \(rows.previousTimes)::int8[],
                \(rows.previousOrigins)::bytea[], \(rows.values)::bytea[])
                AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value)
            ON CONFLICT (stream, seq) DO NOTHING
            """)
    }

    private func writeQuarantine(_ target: PostgresMergeTarget) async throws {
        if !target.cleared.isEmpty {
            let cleared = target.cleared.sorted { $0.key < $1.key }
            try await run(
                """
                DELETE FROM fb_quarantine q
                USING unnest(\(cleared.map(\.key))::int8[], \(cleared.map { Int64($0.value) })::int8[]) AS v(stream, through)
                WHERE q.stream = v.stream AND q.seq <= v.through
                """)
        }
        let held = target.held.values.flatMap(\.values)
        guard !held.isEmpty else { return }
        var rows = CellRows()
        var reasons: [String] = []
        for entry in held {
            rows.append(
                column: try id(entry.change.cell), key: entry.change.key,
                winner: .init(version: entry.change.version, stream: entry.stream, sequence: entry.change.sequence))
            reasons.append(entry.reason)
        }
        try await run(
            """
            INSERT INTO fb_quarantine (stream, seq, col, key, hlc, prev_hlc, prev_origin, value, reason, received)
            SELECT stream, seq, col, key, hlc, CASE WHEN prev_origin = ''::bytea THEN NULL ELSE prev_hlc END,
                NULLIF(prev_origin, ''::bytea), value, reason, \(Int64(now))
            FROM unnest(\(rows.columns)::int4[], \(rows.keys)::bytea[], \(rows.streams)::int8[],
                \(rows.sequences)::int8[], \(rows.times)::int8[], \(rows.previousTimes)::int8[],
                \(rows.previousOrigins)::bytea[], \(rows.values)::bytea[], \(reasons)::text[])
                AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value, reason)
            ON CONFLICT (stream, seq) DO UPDATE SET col = excluded.col, key = excluded.key, hlc = excluded.hlc,
                prev_hlc = excluded.prev_hlc, prev_origin = excluded.prev_origin, value = excluded.value,
                reason = excluded.reason, received = excluded.received
            """)
    }

    private func run(_ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger).drain()
    }
}
