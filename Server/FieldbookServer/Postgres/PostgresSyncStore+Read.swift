import FieldbookCore
import FieldbookProtocol
import PostgresNIO

extension PostgresSyncStore {
    /// Every stream with anything held: the knowledge, and each stream's row ID.
    func readKnowledge(_ connection: PostgresConnection) async throws -> (
        knowledge: Knowledge, refs: [StreamID: Int64]
    ) {
        var knowledge = Knowledge()
        var refs: [StreamID: Int64] = [:]
        for try await (id, partition, origin, held) in try await connection.query(
            "SELECT id, partition, origin, held FROM fb_streams WHERE held > 0", logger: options.logger
        ).decode((Int64, ByteBuffer, ByteBuffer, Int64).self) {
            let stream = StreamID(
                partition: PartitionID(try PostgresCoding.bytes16(partition)),
                origin: ReplicaID(try PostgresCoding.bytes16(origin)))
            knowledge[stream] = UInt64(held)
            refs[stream] = id
        }
        return (knowledge, refs)
    }

    /// Assembles the next batch a peer lacks, inside the caller's read-only snapshot.
    ///
    /// A run assembles from a copy of `assembler`; a run that asked for unread stretches
    /// is dropped, they are read in one query, and the next run starts again from the
    /// same copy. Only a run that read nothing new advances the assembler.
    func assemble(_ assembler: FrameAssembler, on connection: PostgresConnection, byteBudget: Int)
        async throws -> (FrameAssembler, BatchAssembler.Assembly)
    {
        let (local, refs) = try await readKnowledge(connection)
        let source = PostgresChangeSource(
            local: local, peer: assembler.peer, partitions: assembler.partitions, byteBudget: byteBudget)
        for _ in 0..<64 {
            source.beginRun()
            var run = assembler
            let assembly = try run.next(from: source, byteBudget: byteBudget)
            guard !source.requests.isEmpty else { return (run, assembly) }
            try await read(Array(source.requests.values), refs: refs, on: connection, into: source)
        }
        throw FieldbookError(.internal, "assembling a batch from PostgreSQL did not settle")
    }

    /// Reads the requested stretches of several streams in one query.
    private func read(
        _ requests: [PostgresChangeSource.Request], refs: [StreamID: Int64], on connection: PostgresConnection,
        into source: PostgresChangeSource
    ) async throws {
        // Every stream of the local knowledge has a row; a request for any other holds nothing.
        for request in requests where refs[request.stream] == nil { source.add([], for: request) }
        let requests = requests.filter { refs[$0.stream] != nil }
        let ids = requests.map { refs[$0.stream]! }
        let afters = requests.map { Int64($0.after) }
        let counts = requests.map { Int64($0.count) }
        var read: [Int64: [Change]] = [:]
        let byRef = Dictionary(zip(ids, requests.map(\.stream)), uniquingKeysWith: { first, _ in first })
        let rows = try await connection.query(
            """
            SELECT r.id, x.seq, x.col, x.key, x.hlc, x.prev_hlc, x.prev_origin, x.value
            FROM unnest(\(ids)::int8[], \(afters)::int8[], \(counts)::int8[]) AS r(id, after, count)
            CROSS JOIN LATERAL (
                (SELECT seq, col, key, hlc, prev_hlc, prev_origin, value FROM fb_cells
                 WHERE stream = r.id AND seq > r.after ORDER BY seq LIMIT r.count)
                UNION ALL
                (SELECT seq, col, key, hlc, prev_hlc, prev_origin, value FROM fb_history
                 WHERE stream = r.id AND seq > r.after ORDER BY seq LIMIT r.count)
                ORDER BY seq LIMIT r.count) AS x
            ORDER BY r.id, x.seq
            """, logger: options.logger)
        var fetched: [(Int64, Int64, Int32, ByteBuffer, Int64, Int64?, ByteBuffer?, ByteBuffer)] = []
        for try await row in rows.decode((Int64, Int64, Int32, ByteBuffer, Int64, Int64?, ByteBuffer?, ByteBuffer).self)
        {
            fetched.append(row)
        }
        // Column names are resolved after the rows are read: one connection runs one query at a time.
        let names = try await columnNames(Set(fetched.map(\.2)), on: connection)
        for (id, sequence, column, key, time, previousTime, previousOrigin, value) in fetched {
            guard let stream = byRef[id], let name = names[column] else { continue }
            read[id, default: []].append(
                Change(
                    partition: stream.partition, table: name.table, key: try PostgresCoding.key(key),
                    column: name.column, value: try PostgresCoding.decode(value),
                    stamp: Stamp(time: PostgresCoding.time(time), origin: stream.origin), sequence: UInt64(sequence),
                    previous: try PostgresCoding.previous(time: previousTime, origin: previousOrigin)))
        }
        for (request, id) in zip(requests, ids) { source.add(read[id] ?? [], for: request) }
    }

    // MARK: Quarantine

    public func quarantinedStarts(origin: ReplicaID) async throws -> [StreamStart] {
        try await withConnection { connection in
            var starts: [StreamStart] = []
            for try await (partition, sequence) in try await connection.query(
                """
                SELECT s.partition, min(q.seq) FROM fb_quarantine q JOIN fb_streams s ON s.id = q.stream
                WHERE s.origin = \(PostgresCoding.bytes(origin.rawValue)) GROUP BY s.partition
                """, logger: self.options.logger
            ).decode((ByteBuffer, Int64).self) {
                starts.append(
                    StreamStart(
                        stream: StreamID(partition: PartitionID(try PostgresCoding.bytes16(partition)), origin: origin),
                        sequence: UInt64(sequence)))
            }
            return starts.sorted { $0.stream < $1.stream }
        }
    }

    public func quarantined() async throws -> [QuarantineEntry] {
        try await withConnection { connection in
            var rows:
                [(
                    ByteBuffer, ByteBuffer, Int64, Int32, ByteBuffer, Int64, Int64?, ByteBuffer?, ByteBuffer, String,
                    Int64
                )] = []
            for try await row in try await connection.query(
                """
                SELECT s.partition, s.origin, q.seq, q.col, q.key, q.hlc, q.prev_hlc, q.prev_origin, q.value,
                    q.reason, q.received
                FROM fb_quarantine q JOIN fb_streams s ON s.id = q.stream
                ORDER BY s.partition, s.origin, q.seq
                """, logger: self.options.logger
            ).decode(
                (
                    ByteBuffer, ByteBuffer, Int64, Int32, ByteBuffer, Int64, Int64?, ByteBuffer?, ByteBuffer, String,
                    Int64
                )
                .self)
            {
                rows.append(row)
            }
            let names = try await self.columnNames(Set(rows.map(\.3)), on: connection)
            var entries: [QuarantineEntry] = []
            for row in rows {
                guard let name = names[row.3] else { continue }
                let origin = ReplicaID(try PostgresCoding.bytes16(row.1))
                let change = Change(
                    partition: PartitionID(try PostgresCoding.bytes16(row.0)), table: name.table,
                    key: try PostgresCoding.key(row.4), column: name.column, value: try PostgresCoding.decode(row.8),
                    stamp: Stamp(time: PostgresCoding.time(row.5), origin: origin), sequence: UInt64(row.2),
                    previous: try PostgresCoding.previous(time: row.6, origin: row.7))
                entries.append(QuarantineEntry(change: change, reason: row.9, receivedAt: UInt64(row.10)))
            }
            return entries
        }
    }

    public func releaseQuarantine(origin: ReplicaID?) async throws -> BatchMerger.Report {
        let waiting = try await quarantined().map(\.change).filter { origin == nil || $0.origin == origin }
        let batch = ChangeBatch.releasing(waiting, above: try await knowledge())
        return try await merge(batch, sender: nil, acceptSkewed: true, checksEveryOrigin: false, rights: nil)
    }
}
