import FieldbookCore
import PostgresNIO

/// Turns PostgreSQL and postgres-nio failures into ``FieldbookError``s a person can act
/// on, and tells which ones are worth retrying the whole transaction for.
enum PostgresErrors {
    /// A conditional write found a row changed by a concurrent transaction: the
    /// transaction is rolled back and retried from its first read.
    struct ConcurrentWrite: Error {
        var what: String
    }

    /// SQLSTATEs after which running the transaction again may succeed.
    static let retryableStates: Set<String> = [
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "23505",  // unique_violation: a concurrent insert of the same key
    ]

    /// Whether the transaction may succeed if run again from the start.
    static func isRetryable(_ error: any Error) -> Bool {
        if error is ConcurrentWrite { return true }
        if let error = error as? PSQLError, error.code == .server, let state = error.serverInfo?[.sqlState] {
            return retryableStates.contains(state)
        }
        return false
    }

    /// The error a caller sees. ``FieldbookError``s pass through unchanged.
    static func translate(_ error: any Error, endpoint: PostgresEndpoint) -> FieldbookError {
        if let error = error as? FieldbookError { return error }
        if error is ConcurrentWrite || isRetryable(error) {
            return FieldbookError(
                .unavailable, "the database stayed busy with concurrent rounds; nothing was merged, try again",
                underlying: error)
        }
        if error is PostgresDecodingError {
            return FieldbookError(
                .corrupt, "the PostgreSQL store returned data in an unexpected form; check the database schema",
                underlying: error)
        }
        guard let error = error as? PSQLError else {
            return FieldbookError(
                .internal, "PostgreSQL store failed: \(String(describing: error))", underlying: error)
        }
        switch error.code {
        case .server:
            return translate(server: error, endpoint: endpoint)
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
            .queryCancelled:
            return FieldbookError(
                .unavailable,
                "cannot reach PostgreSQL at \(endpoint.address) (\(reason(error))); check the URL and that the database server is running",
                underlying: error)
        case .sslUnsupported:
            return FieldbookError(
                .unavailable, "PostgreSQL at \(endpoint.address) does not offer TLS; use sslmode=prefer or disable",
                underlying: error)
        case .authMechanismRequiresPassword:
            return FieldbookError(
                .storage, "PostgreSQL asks a password of user '\(endpoint.username)'; put it in the URL",
                underlying: error)
        case .unsupportedAuthMechanism, .saslError:
            return FieldbookError(
                .storage,
                "PostgreSQL refused to authenticate user '\(endpoint.username)'; check the URL's user and password",
                underlying: error)
        default:
            return FieldbookError(
                .storage, "PostgreSQL connection failed (\(error.code)); check the URL", underlying: error)
        }
    }

    static func translate(server error: PSQLError, endpoint: PostgresEndpoint) -> FieldbookError {
        let state = error.serverInfo?[.sqlState] ?? "?????"
        let message = error.serverInfo?[.message] ?? "no message"
        switch state {
        case "28P01":
            return FieldbookError(
                .storage, "PostgreSQL refused the password of user '\(endpoint.username)'; check the URL",
                underlying: error)
        case "28000":
            return FieldbookError(
                .storage, "PostgreSQL refused user '\(endpoint.username)' (\(message)); check the URL and pg_hba.conf",
                underlying: error)
        case "3D000":
            return FieldbookError(
                .storage,
                "PostgreSQL database '\(endpoint.database)' does not exist; create it (createdb \(endpoint.database)) or fix the URL",
                underlying: error)
        case "25006":
            return FieldbookError(
                .storage, "the PostgreSQL database is read-only (a standby?); point the URL at the primary",
                underlying: error)
        case "42501":
            return FieldbookError(
                .storage, "PostgreSQL user '\(endpoint.username)' lacks a privilege: \(message)", underlying: error)
        case "53300", "57P01", "57P02", "57P03":
            return FieldbookError(
                .unavailable, "PostgreSQL is unavailable (\(message)); nothing was merged, try again",
                underlying: error)
        default:
            if state.hasPrefix("08") || state.hasPrefix("53") {
                return FieldbookError(
                    .unavailable, "PostgreSQL is unavailable (\(message)); nothing was merged, try again",
                    underlying: error)
            }
            return FieldbookError(.storage, "PostgreSQL error \(state): \(message)", underlying: error)
        }
    }

    /// A short reason for a failure to reach the server.
    static func reason(_ error: PSQLError) -> String {
        let text = String(describing: error.underlying ?? error).lowercased()
        if text.contains("refused") { return "connection refused" }
        if text.contains("timeout") || text.contains("timed out") { return "timed out" }
        if text.contains("dns") || text.contains("resolve") || text.contains("lookup") || text.contains("getaddrinfo") {
            return "host name not found"
        }
        if text.contains("reset") || text.contains("closed") || text.contains("eof") { return "connection lost" }
        return "\(error.code)"
    }
}
