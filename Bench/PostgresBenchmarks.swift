import FieldbookCore
import FieldbookServer
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// P2 and P8 against PostgreSQL, beside the SQLite figures: the same histories merged
/// through `PostgresSyncStore`, against a plain batched upsert of the same rows in the
/// same database server, and 200 replicas syncing through a server on PostgreSQL.
///
/// Needs `--postgres URL` of a role allowed to create databases; every run makes its own
/// databases (`fieldbook_bench_…`) and drops them afterwards.
struct PostgresBenchmarks {
    let baseURL: String
    let scale: BenchScale
    let store: StoreBenchmarks
    let logger = Logger(label: "fieldbook.bench.postgres")

    /// A fresh database on the server of `baseURL`; returns its URL.
    func createDatabase(_ suffix: String) async throws -> String {
        let endpoint = try PostgresEndpoint(url: baseURL)
        let name = "fieldbook_bench_\(ProcessInfo.processInfo.processIdentifier)_\(suffix)"
        try await execute("DROP DATABASE IF EXISTS \(name)", on: endpoint.database)
        try await execute("CREATE DATABASE \(name)", on: endpoint.database)
        let password = endpoint.password.map { ":\($0)" } ?? ""
        return "postgres://\(endpoint.username)\(password)@\(endpoint.host):\(endpoint.port)/\(name)?sslmode=disable"
    }

    func dropDatabase(_ url: String) async {
        guard let endpoint = try? PostgresEndpoint(url: url), let base = try? PostgresEndpoint(url: baseURL) else {
            return
        }
        try? await execute("DROP DATABASE IF EXISTS \(endpoint.database)", on: base.database)
    }

    /// Runs one statement on a database of the benchmark's server.
    func execute(_ sql: String, on database: String, with bindings: PostgresBindings = PostgresBindings()) async throws
    {
        let endpoint = try PostgresEndpoint(url: baseURL)
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                database: database, tls: .disable),
            id: 1, logger: logger)
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).get()
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    // MARK: P2

    func bulkMerge() async throws -> [BenchResult] {
        let histories = store.histories()
        let total = histories.reduce(0) { $0 + $1.changes.count }
        let plainURL = try await createDatabase("p2_plain")
        let plainDatabase = try PostgresEndpoint(url: plainURL).database
        try await execute(
            """
            CREATE TABLE attendance (event_id bytea NOT NULL, participant_id bytea NOT NULL, status text,
            remark text, PRIMARY KEY (event_id, participant_id))
            """, on: plainDatabase)
        let plainTime = try await measureAsync {
            for history in histories {
                var bindings = PostgresBindings()
                bindings.append(history.changes.map { ByteBuffer(bytes: $0.key.first.rawValue.bytes) })
                bindings.append(history.changes.map { ByteBuffer(bytes: $0.key.second!.rawValue.bytes) })
                bindings.append(history.changes.map { $0.value.text ?? "" })
                // One statement per batch, as the store writes; later rows of a batch win.
                try await execute(
                    """
                    INSERT INTO attendance (event_id, participant_id, status)
                    SELECT DISTINCT ON (e, p) e, p, s FROM unnest($1::bytea[], $2::bytea[], $3::text[])
                        WITH ORDINALITY AS v(e, p, s, n) ORDER BY e, p, n DESC
                    ON CONFLICT (event_id, participant_id) DO UPDATE SET status = excluded.status
                    """, on: plainDatabase, with: bindings)
            }
        }
        await dropDatabase(plainURL)

        // The engine alone, then with the console's read tables (what `serve` runs with
        // its console on): their triggers recompute every written row in the merge's transaction.
        var results: [BenchResult] = []
        for readTables in [false, true] {
            let engineURL = try await createDatabase(readTables ? "p2_read_tables" : "p2_engine")
            let engine = try await PostgresSyncStore.connect(url: engineURL)
            if readTables { _ = try await ConsoleStores.open(engine) }
            var report = BatchMerger.Report()
            let engineTime = try await measureAsync {
                for history in histories {
                    report.add(try await engine.merge(history, from: history.changes[0].origin))
                }
            }
            await engine.close()
            await dropDatabase(engineURL)
            results.append(
                BenchResult(
                    id: readTables ? "P2pg+rt" : "P2pg",
                    what: "merge \(total) changes from \(histories.count) replicas, PostgreSQL"
                        + (readTables ? ", with the console's read tables" : ""),
                    figure: String(format: "%.0f changes/s", Double(total) / engineTime),
                    baseline: String(format: "%.0f upserts/s", Double(total) / plainTime),
                    ratio: engineTime / plainTime, goal: "close to PostgreSQL"))
        }
        return results
    }

    // MARK: P8

    /// P8 through `serverCount` servers on one PostgreSQL database, each with its own pool.
    func manyReplicas(sync: SyncBenchmarks, serverCount: Int) async throws -> [BenchResult] {
        let url = try await createDatabase("p8")
        var engines: [PostgresSyncStore] = []
        var servers: [BenchServer] = []
        for _ in 0..<max(1, serverCount) {
            let engine = try await PostgresSyncStore.connect(url: url)
            engines.append(engine)
            servers.append(try await BenchServer(store: engine))
        }
        let label = servers.count == 1 ? "PostgreSQL" : "PostgreSQL, \(servers.count) servers"
        var results = try await sync.manyReplicas(count: scale.replicasAtOnce, servers: servers, label: label)
        for server in servers { await server.stop() }
        for engine in engines { await engine.close() }
        await dropDatabase(url)
        results = results.map {
            var result = $0; result.id = "P8pg"; return result
        }
        return results
    }
}
