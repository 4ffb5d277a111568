import FieldbookCore
import Foundation
import PostgresNIO

/// Where the PostgreSQL store lives, parsed from a libpq-style URL:
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE`.
///
/// `sslmode` follows libpq: `disable`, `prefer` (the default: TLS when the server offers
/// it, certificate unchecked), `require` (TLS, certificate unchecked) and `verify-full`
/// (TLS with the certificate checked against the system's roots and the host name).
public struct PostgresEndpoint: Sendable, CustomStringConvertible {
    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable {
        case disable
        case prefer
        case require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Parses a `postgres://` or `postgresql://` URL.
    ///
    /// - Throws: `.usage` with what is wrong, never echoing the password.
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw FieldbookError(
                .usage, "the PostgreSQL URL must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw FieldbookError(.usage, "the PostgreSQL URL names no host; write postgres://USER@HOST/DATABASE")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        self.password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? username : path
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let parsed = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw FieldbookError(
                        .usage, "sslmode '\(item.value ?? "")' is not disable, prefer, require or verify-full")
                }
                mode = parsed
            default:
                throw FieldbookError(.usage, "the PostgreSQL URL option '\(item.name)' is not supported (only sslmode)")
            }
        }
        self.tls = mode
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
    }

    /// `host:port`, for messages.
    var address: String { "\(host):\(port)" }

    func tlsConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if tls != .verifyFull { configuration.certificateVerification = .none }
        return configuration
    }

    /// The settings of one direct connection (the start-up checks and migrations).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(try NIOSSLContext(configuration: tlsConfiguration()))
        case .require, .verifyFull: mode = .require(try NIOSSLContext(configuration: tlsConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: mode)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// The settings of the connection pool.
    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        let mode: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(tlsConfiguration())
        case .require, .verifyFull: mode = .require(tlsConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: mode)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
