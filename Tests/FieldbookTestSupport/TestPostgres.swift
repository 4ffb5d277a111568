import FieldbookCore
import FieldbookServer
import Foundation
import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL server the tests use: `$FIELDBOOK_TEST_POSTGRES_URL` when set (CI
/// starts a cluster with `.ci/postgres-start`), else a throwaway cluster this process
/// starts on a free loopback port in a temporary folder, as an unprivileged user, and
/// stops when it exits. Each store gets a database of its own.
///
/// When there is neither a URL nor PostgreSQL's binaries the PostgreSQL tests are
/// skipped, unless `FIELDBOOK_REQUIRE_POSTGRES=1` (CI), where they run and fail.
public enum TestPostgres {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    public static var configuredURL: String? {
        environment["FIELDBOOK_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var isRequired: Bool { environment["FIELDBOOK_REQUIRE_POSTGRES"] == "1" }

    /// The folder of `initdb` and `pg_ctl`, if PostgreSQL is installed.
    public static var binaries: String? {
        if let configured = environment["FIELDBOOK_POSTGRES_BIN"] {
            return FileManager.default.isExecutableFile(atPath: configured + "/initdb") ? configured : nil
        }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) })
        where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        for folder in ["/usr/bin", "/usr/local/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(folder)/initdb") {
            return folder
        }
        return nil
    }

    /// Whether the PostgreSQL tests run (and, when required, fail if the server cannot start).
    public static var enabled: Bool { configuredURL != nil || binaries != nil || isRequired }

    public static let skipText =
        "PostgreSQL not found: set FIELDBOOK_TEST_POSTGRES_URL, or install postgresql (initdb, pg_ctl)"

    private static let server = ServerOnce()

    /// The URL of a new, empty database.
    public static func makeDatabase() async throws -> String {
        let base = try await server.url()
        let endpoint = try PostgresEndpoint(url: base)
        let name = "fb_test_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)"
        try await execute("CREATE DATABASE \(name)", url: base)
        return
            "postgres://\(endpoint.username):\(endpoint.password ?? "")@\(endpoint.host):\(endpoint.port)/\(name)?sslmode=disable"
    }

    /// Drops a database ``makeDatabase()`` made, with any connection still open to it: a
    /// long simulation run makes one per seed.
    public static func dropDatabase(url: String) async throws {
        let name = try PostgresEndpoint(url: url).database
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", url: try await server.url())
    }

    /// Runs `body` on a new connection to the database at `url`, closed afterwards either way.
    static func withConnection<T>(to url: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let endpoint = try PostgresEndpoint(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                database: endpoint.database, tls: .disable),
            id: counter.add(1, ordering: .relaxed).newValue, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs one SQL statement on the database at `url` (for tests that poke at the schema).
    public static func execute(_ sql: String, url: String) async throws {
        try await withConnection(to: url) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).get()
        }
    }

    /// Every cell's stored winning stamp, read straight from the store's tables.
    public static func winners(url: String) async throws -> [CellAddress: Stamp] {
        try await withConnection(to: url) { connection in
            var winners: [CellAddress: Stamp] = [:]
            let rows = try await connection.query(
                """
                SELECT f.tbl, f.col, c.key, c.hlc, s.origin FROM fb_cells c
                JOIN fb_columns f ON f.id = c.col JOIN fb_streams s ON s.id = c.stream
                """, logger: logger)
            for try await (table, column, key, time, origin) in rows.decode(
                (String, String, ByteBuffer, Int64, ByteBuffer).self)
            {
                let cell = CellAddress(
                    table: table, key: RowKey(bytes: Array(key.readableBytesView))!, column: column)
                winners[cell] = Stamp(
                    time: HLC(rawValue: UInt64(bitPattern: time)),
                    origin: ReplicaID(Bytes16(bytes: Array(origin.readableBytesView))!))
            }
            return winners
        }
    }

    static let logger = Logger(label: "fieldbook.test.postgres")
    private static let counter = Atomic<Int>(0)

    /// Starts the throwaway cluster once per process.
    private actor ServerOnce {
        var started: Result<String, any Error>?

        func url() async throws -> String {
            if let started { return try started.get() }
            let result: Result<String, any Error>
            if let configured = configuredURL {
                result = .success(configured)
            } else {
                result = Result { try ThrowawayCluster.start() }
            }
            started = result
            return try result.get()
        }
    }
}
