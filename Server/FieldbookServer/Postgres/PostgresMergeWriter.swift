import FieldbookCore
import Logging
import PostgresNIO

/// The writes of one merge transaction: everything the merge decided, in one statement
/// whatever the batch size (one data-modifying `WITH` clause per table, each fed whole
/// arrays that it `unnest`s), so the partition locks are held for one round trip of
/// writing, not one per change or per table.
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
        var history = CellRows()
        for (cell, winner) in target.history { history.append(column: try id(cell), key: cell.key, winner: winner) }
        var held = CellRows()
        var reasons: [String] = []
        for entry in target.held.values.flatMap(\.values) {
            held.append(
                column: try id(entry.change.cell), key: entry.change.key,
                winner: .init(version: entry.change.version, stream: entry.stream, sequence: entry.change.sequence))
            reasons.append(entry.reason)
        }
        let cleared = target.cleared.sorted { $0.key < $1.key }
        let dirty = target.dirtyStreams.sorted()
        let clock = PostgresCoding.time(target.clock.last)
        let observed = target.clock.last > target.inputs.clock.last

        let query: PostgresQuery = """
            WITH changed AS (
                UPDATE fb_cells c SET stream = v.stream, seq = v.seq, hlc = v.hlc,
                    prev_hlc = CASE WHEN v.prev_origin = ''::bytea THEN NULL ELSE v.prev_hlc END,
                    prev_origin = NULLIF(v.prev_origin, ''::bytea), value = v.value
                FROM unnest(\(updates.columns)::int4[], \(updates.keys)::bytea[], \(updates.streams)::int8[],
                    \(updates.sequences)::int8[], \(updates.times)::int8[], \(updates.previousTimes)::int8[],
                    \(updates.previousOrigins)::bytea[], \(updates.values)::bytea[], \(replaced.streams)::int8[],
                    \(replaced.sequences)::int8[])
                    AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value, old_stream, old_seq)
                WHERE c.col = v.col AND c.key = v.key AND c.stream = v.old_stream AND c.seq = v.old_seq
                RETURNING 1),
            inserted AS (
                INSERT INTO fb_cells (col, key, stream, seq, hlc, prev_hlc, prev_origin, value)
                SELECT col, key, stream, seq, hlc, CASE WHEN prev_origin = ''::bytea THEN NULL ELSE prev_hlc END,
                    NULLIF(prev_origin, ''::bytea), value
                FROM unnest(\(inserts.columns)::int4[], \(inserts.keys)::bytea[], \(inserts.streams)::int8[],
                    \(inserts.sequences)::int8[], \(inserts.times)::int8[], \(inserts.previousTimes)::int8[],
                    \(inserts.previousOrigins)::bytea[], \(inserts.values)::bytea[])
                    AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value)
                ON CONFLICT (col, key) DO NOTHING
                RETURNING 1),
            superseded AS (
                INSERT INTO fb_history (stream, seq, col, key, hlc, prev_hlc, prev_origin, value, superseded)
                SELECT stream, seq, col, key, hlc, CASE WHEN prev_origin = ''::bytea THEN NULL ELSE prev_hlc END,
                    NULLIF(prev_origin, ''::bytea), value, \(Int64(now))
                FROM unnest(\(history.columns)::int4[], \(history.keys)::bytea[], \(history.streams)::int8[],
                    \(history.sequences)::int8[], \(history.times)::int8[], \(history.previousTimes)::int8[],
                    \(history.previousOrigins)::bytea[], \(history.values)::bytea[])
                    AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value)
                ON CONFLICT (stream, seq) DO NOTHING),
            released AS (
                DELETE FROM fb_quarantine q
                USING unnest(\(cleared.map(\.key))::int8[], \(cleared.map { Int64($0.value) })::int8[]) AS v(stream, through)
                WHERE q.stream = v.stream AND q.seq <= v.through),
            quarantined AS (
                INSERT INTO fb_quarantine (stream, seq, col, key, hlc, prev_hlc, prev_origin, value, reason, received)
                SELECT stream, seq, col, key, hlc, CASE WHEN prev_origin = ''::bytea THEN NULL ELSE prev_hlc END,
                    NULLIF(prev_origin, ''::bytea), value, reason, \(Int64(now))
                FROM unnest(\(held.columns)::int4[], \(held.keys)::bytea[], \(held.streams)::int8[],
                    \(held.sequences)::int8[], \(held.times)::int8[], \(held.previousTimes)::int8[],
                    \(held.previousOrigins)::bytea[], \(held.values)::bytea[], \(reasons)::text[])
                    AS v(col, key, stream, seq, hlc, prev_hlc, prev_origin, value, reason)
                ON CONFLICT (stream, seq) DO UPDATE SET col = excluded.col, key = excluded.key, hlc = excluded.hlc,
                    prev_hlc = excluded.prev_hlc, prev_origin = excluded.prev_origin, value = excluded.value,
                    reason = excluded.reason, received = excluded.received),
            vectors AS (
                UPDATE fb_streams s SET held = v.held
                FROM unnest(\(dirty.map { target.streams[$0]!.ref })::int8[], \(dirty.map { Int64(target.streams[$0]!.held) })::int8[])
                    AS v(id, held)
                WHERE s.id = v.id),
            observed AS (
                INSERT INTO fb_partitions (partition, clock)
                SELECT p, \(clock) FROM unnest(\(partitions.sorted().map { PostgresCoding.bytes($0.rawValue) })::bytea[]) AS p
                WHERE \(observed)
                ON CONFLICT (partition) DO UPDATE SET clock = GREATEST(fb_partitions.clock, excluded.clock)),
            stamped AS (
                UPDATE fb_replica SET clock = GREATEST(clock, \(clock)) WHERE \(target.ticked))
            SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM inserted)
            """
        var counts: (Int64, Int64)?
        for try await row in try await connection.query(query, logger: logger).decode((Int64, Int64).self) {
            counts = row
        }
        guard let counts, counts.0 == Int64(updates.count) else {
            throw PostgresErrors.ConcurrentWrite(what: "a cell changed while its partition was locked")
        }
        guard counts.1 == Int64(inserts.count) else {
            throw PostgresErrors.ConcurrentWrite(what: "a cell appeared while its partition was locked")
        }
    }
}
