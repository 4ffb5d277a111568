import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` in one transaction opened with `begin` (e.g. `BEGIN ISOLATION LEVEL
    /// REPEATABLE READ READ ONLY`), committing only if it returns.
    ///
    /// When the rollback itself fails the connection is closed, so the pool never hands
    /// out a connection stuck inside a transaction.
    func inTransaction<T>(_ begin: String, logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await query(PostgresQuery(unsafeSQL: begin), logger: logger).drain()
        let result: T
        do {
            result = try await body()
        } catch {
            do {
                try await query("ROLLBACK", logger: logger).drain()
            } catch {
                try? await close()
            }
            throw error
        }
        do {
            try await query("COMMIT", logger: logger).drain()
        } catch {
            // The outcome is unknown (the connection may have died during COMMIT); the
            // caller's client retries, and merges are idempotent.
            try? await close()
            throw error
        }
        return result
    }
}

extension PostgresRowSequence {
    /// Reads and discards every row, so the statement has run to completion.
    func drain() async throws {
        for try await _ in self {}
    }

    /// The first column of the first row, if any.
    func single<T: PostgresDecodable>(_ type: T.Type) async throws -> T? {
        var result: T?
        for try await row in self where result == nil {
            if let cell = row.first, cell.bytes != nil { result = try cell.decode(T.self) }
        }
        return result
    }
}
