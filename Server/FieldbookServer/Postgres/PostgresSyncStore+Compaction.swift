import FieldbookCore
import PostgresNIO

extension PostgresSyncStore {
    /// Superseded changes removed per statement: each statement is its own short
    /// transaction, so a compaction of millions of rows never holds locks or a snapshot
    /// long enough to stall the rounds running beside it.
    static let compactionRowsPerStatement = 10_000

    public func compact(supersededBefore cutoff: UInt64) async throws -> Int {
        try await compact(supersededBefore: cutoff, rowsPerStatement: Self.compactionRowsPerStatement)
    }

    /// ``compact(supersededBefore:)`` in statements of at most `rowsPerStatement` rows,
    /// walking the log's primary key from where the last statement stopped (one pass over
    /// the table, however many statements).
    public func compact(supersededBefore cutoff: UInt64, rowsPerStatement: Int) async throws -> Int {
        precondition(rowsPerStatement > 0)
        // Stamps and positions are stored as signed 64-bit values; the cutoff is clamped
        // the same way, so "everything" (UInt64.max) stays everything.
        let cutoff = Int64(clamping: cutoff)
        let limit = Int64(rowsPerStatement)
        var removed = 0
        var last: (stream: Int64, sequence: Int64) = (.min, .min)
        while true {
            let from = last
            let batch = try await withConnection { connection in
                let rows = try await connection.query(
                    """
                    WITH doomed AS (
                        SELECT stream, seq FROM fb_history
                        WHERE (stream, seq) > (\(from.stream), \(from.sequence)) AND superseded < \(cutoff)
                        ORDER BY stream, seq LIMIT \(limit)),
                    deleted AS (
                        DELETE FROM fb_history h USING doomed d
                        WHERE h.stream = d.stream AND h.seq = d.seq RETURNING h.stream, h.seq)
                    SELECT count(*), max(stream), max(seq) FILTER (WHERE stream = (SELECT max(stream) FROM deleted))
                    FROM deleted
                    """, logger: self.options.logger)
                var result: (count: Int64, stream: Int64?, sequence: Int64?) = (0, nil, nil)
                for try await row in rows.decode((Int64, Int64?, Int64?).self) { result = row }
                return result
            }
            removed += Int(batch.count)
            guard batch.count == limit, let stream = batch.stream, let sequence = batch.sequence else { break }
            last = (stream, sequence)
        }
        return removed
    }
}
