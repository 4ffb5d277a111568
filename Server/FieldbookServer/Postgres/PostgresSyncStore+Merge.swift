import Fieldbook
import FieldbookCore
import PostgresNIO

extension PostgresSyncStore {
    /// Merges a batch in one transaction, all or nothing, retrying it from the start
    /// after a deadlock or a concurrent write (both leave nothing behind).
    ///
    /// - Parameters:
    ///   - sender: the replica that sent the batch; `nil` for changes of no one sender.
    ///   - acceptSkewed: merge changes stamped too far ahead instead of quarantining them.
    ///   - checksEveryOrigin: check every change against the clock bound, as a server must.
    ///   - rights: what the sender may write, checked row by row; `nil` for changes this
    ///     server vetted before (its quarantine, genesis data).
    @discardableResult
    func merge(
        _ batch: ChangeBatch, sender: ReplicaID?, acceptSkewed: Bool, checksEveryOrigin: Bool = true,
        rights: WriterRights?
    ) async throws -> BatchMerger.Report {
        guard !batch.isEmpty else { return BatchMerger.Report() }
        let authorizer = rights.map { RowAuthorizer(schema: NPQSchema.current, rights: $0, receiver: replicaID) }
        let deciding = authorizer?.decidingColumns.map { ColumnName($0.table, $0.column) } ?? []
        let columns = try await columnIDs(
            Set(batch.changes.map { ColumnName($0.cell) } + PostgresColumnCatalog.ledgerColumns + deciding))
        var attempt = 0
        while true {
            do {
                return try await withConnection { connection in
                    try await connection.inTransaction(
                        "BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.options.logger
                    ) {
                        try await self.merge(
                            batch, on: connection, columns: columns,
                            deciding: authorizer?.decidingCells(of: batch.changes) ?? [],
                            policy: { now in
                                BatchMerger.Policy(
                                    sender: sender, now: now, acceptSkewed: acceptSkewed,
                                    checksEveryOrigin: checksEveryOrigin, authorizer: authorizer)
                            })
                    }
                }
            } catch let error as FieldbookError
                where error.underlying.map(PostgresErrors.isRetryable) == true && attempt < options.retries
            {
                attempt += 1
                options.logger.debug("merge retried", metadata: ["attempt": "\(attempt)", "reason": "\(error)"])
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 << min(attempt, 5)))))
            }
        }
    }

    /// The merge transaction: lock, read, merge in memory (again while answers are
    /// missing), write.
    private func merge(
        _ batch: ChangeBatch, on connection: PostgresConnection, columns: [ColumnName: Int32],
        deciding: Set<CellAddress>, policy: (UInt64) -> BatchMerger.Policy
    ) async throws -> BatchMerger.Report {
        let reader = PostgresMergeReader(
            connection: connection, columns: columns, catalog: catalog, logger: options.logger)
        let partitions = Set(batch.changes.map(\.partition) + batch.ranges.map(\.stream.partition))
        try await reader.lock(partitions)
        let now = options.wallClock.milliseconds()

        var inputs = PostgresMergeTarget.Inputs(clock: HybridClock(maximumDrift: options.maximumDrift))
        // Every range's stream, and this replica's own in each partition (for ledger writes).
        let streams = Set(batch.ranges.map(\.stream) + partitions.map { StreamID(partition: $0, origin: replicaID) })
        let clock = try await reader.readStreams(streams, into: &inputs) ?? .zero
        inputs.clock = HybridClock(last: clock, maximumDrift: options.maximumDrift)
        // The cells that decide rows' partitions too, so the authorizer's lookups need no rerun.
        try await reader.readCells(Set(batch.changes.map(\.cell)).union(deciding), into: &inputs)

        var stampLocked = false
        for _ in 0..<32 {
            let target = PostgresMergeTarget(inputs: inputs, local: replicaID, now: now)
            let report: BatchMerger.Report
            do {
                report = try BatchMerger.merge(batch, into: target, policy: policy(now))
            } catch  where !target.isComplete {
                // The failure may come from an answer the target had to guess; answer and rerun.
                try await reader.complete(&inputs, from: target)
                continue
            }
            guard target.isComplete else {
                try await reader.complete(&inputs, from: target)
                continue
            }
            if target.ticked && !stampLocked {
                // Ledger writes carry this replica's stamps: take the replica row's lock so
                // no other process stamps concurrently, and rerun from its clock if it is ahead.
                stampLocked = true
                let stamped = try await reader.lockStampClock()
                if stamped > inputs.clock.last {
                    inputs.clock = HybridClock(last: stamped, maximumDrift: options.maximumDrift)
                    continue
                }
            }
            try await PostgresMergeWriter(
                connection: connection, columns: columns, logger: options.logger, now: now
            ).flush(target, partitions: partitions)
            return report
        }
        throw FieldbookError(.internal, "the PostgreSQL merge did not settle; nothing was merged")
    }
}
