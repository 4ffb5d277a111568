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
            if Self.isLost(error) || isClosed {
                // The server ended the session (or the link died): there is nothing to roll
                // back, and a query sent now might never be answered.
                try? await close()
            } else {
                do {
                    try await query("ROLLBACK", logger: logger).drain()
                } catch {
                    try? await close()
                }
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

extension PostgresConnection {
    /// Whether an error ended the connection: a failure of the link, or a FATAL server error.
    static func isLost(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .server:
            let severity = error.serverInfo?[.severity] ?? ""
            return severity == "FATAL" || severity == "PANIC"
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .queryCancelled:
            return true
        default:
            return false
        }
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
