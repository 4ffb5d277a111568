import Fieldbook
import FieldbookCore
import FieldbookServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// P9: the office console rendering the cohort grid (5,000 participants × 30 events) and
/// the overview (50 cohorts) over HTTP, against the plain SQL queries behind each page on
/// the same store, SQLite and (with `--postgres`) PostgreSQL.
struct ConsoleBenchmarks {
    let folder: String
    let participants: Int
    let events: Int
    let smallCohorts: Int
    let postgres: PostgresBenchmarks?
    /// Keep the PostgreSQL database, as the SQLite file stays in a given `--directory`.
    let keepDatabase: Bool

    init(folder: String, quick: Bool, postgres: PostgresBenchmarks?, keepDatabase: Bool = false) {
        self.folder = folder
        self.keepDatabase = keepDatabase
        participants = quick ? 500 : 5_000
        events = quick ? 10 : 30
        smallCohorts = 49
        self.postgres = postgres
    }

    func run() async throws -> [BenchResult] {
        let start = ContinuousClock.now
        let (path, cohort) = try makeRegister()
        print(
            "P9: register of \(participants)×\(events) + \(smallCohorts) small cohorts written in \(ContinuousClock.now - start)"
        )
        var results = try await measure(store: try SQLiteSyncStore(path: path), cohort: cohort, label: "SQLite")
        // Printed at once as well: the PostgreSQL part (merging the register first) is long.
        print(BenchResult.table(results))
        if let postgres {
            let url = try await postgres.createDatabase("p9")
            let store = try await PostgresSyncStore.connect(url: url)
            let replica = try Fieldbook.open(at: path)
            var peer = Knowledge()
            while true {
                let assembly = try replica.store.changes(for: peer, partitions: nil, byteBudget: 4 << 20)
                _ = try await store.merge(assembly.batch, from: replica.store.replicaID)
                peer.advance(through: assembly.batch.ranges)
                if !assembly.hasMore { break }
            }
            results += try await measure(store: store, cohort: cohort, label: "PostgreSQL")
            await store.close()
            if keepDatabase {
                print("P9: the PostgreSQL register is kept for EXPLAIN: \(url)")
            } else {
                await postgres.dropDatabase(url)
            }
        }
        return results
    }

    /// A replica with one large cohort and `smallCohorts` small ones, every mark written.
    func makeRegister() throws -> (path: String, cohort: RowID) {
        let path = folder + "/p9-console.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        let replica = try Fieldbook.create(at: path, name: "office")
        let large = try replica.addCohort(programme: "NPQH", name: "Bench", starts: "2026-02-28")
        var cohorts = [(large, participants, events)]
        for index in 0..<smallCohorts {
            let programme = Programme.all[index % Programme.all.count].code
            cohorts.append((try replica.addCohort(programme: programme, name: "Small \(index)", starts: nil), 20, 10))
        }
        var random = SeededRandom(seed: 9)
        let statuses = ["present", "present", "present", "late", "absent", "excused"]
        try replica.store.write { tx in
            for (cohort, people, sessions) in cohorts {
                let cohortID = Value.blob(cohort.id.rawValue.bytes)
                let participantIDs = (0..<people).map { _ in RowID.make(milliseconds: tx.now, using: &random) }
                for (index, id) in participantIDs.enumerated() {
                    try tx.set(
                        table: NPQSchema.Table.participants, key: RowKey(id), partition: cohort.partition,
                        columns: [
                            ("cohort_id", cohortID), ("name", .text("学员 \(index) Participant")),
                            ("trn", .text(String(1_000_000 + index))), ("city", .text("上海")),
                        ])
                }
                for session in 0..<sessions {
                    let event = RowID.make(milliseconds: tx.now, using: &random)
                    let day = String(format: "2026-%02d-%02dT09:00", 3 + session / 28, 1 + session % 28)
                    let utc = String(format: "2026-%02d-%02dT01:00:00Z", 3 + session / 28, 1 + session % 28)
                    try tx.set(
                        table: NPQSchema.Table.events, key: RowKey(event), partition: cohort.partition,
                        columns: [
                            ("cohort_id", cohortID), ("kind", .text("webinar")), ("title", .text("Session \(session)")),
                            ("starts", .text(day)), ("zone", .text("Asia/Shanghai")), ("starts_utc", .text(utc)),
                        ])
                    for participant in participantIDs {
                        try tx.set(
                            table: NPQSchema.Table.attendance, key: RowKey(event, participant),
                            partition: cohort.partition,
                            columns: [("status", .text(statuses[Int(random.next() % UInt64(statuses.count))]))])
                    }
                }
            }
        }
        return (path, large.id)
    }

    func measure(store: any SyncStore, cohort: RowID, label: String) async throws -> [BenchResult] {
        let console = try await ConsoleStores.open(store)
        try await console.addUser(
            name: "bench", role: .viewer, passwordHash: OfficePassword.hash("bench password", cost: 4), now: 0)
        let cookie = try await console.startSession(user: "bench", now: SystemWallClock().milliseconds())
        var logger = Logger(label: "fieldbook.bench.console")
        logger.logLevel = .error
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(
            service: SyncService(store: store, logger: logger), console: OfficeConsole(store: console), port: 0,
            logger: logger
        ) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        defer { Task { await group.triggerGracefulShutdown() } }

        let gridURL = "http://127.0.0.1:\(port)/cohorts/\(cohort)"
        let overviewURL = "http://127.0.0.1:\(port)/"
        let grid = try await median { try await Self.get(gridURL, cookie: cookie) }
        let gridSQL = try await median { _ = try await console.cohortGrid(cohort) }
        let overview = try await median { try await Self.get(overviewURL, cookie: cookie) }
        let overviewSQL = try await median { _ = try await console.cohortSummaries() }
        // What one page costs the database, counted by the console store (see ConsoleQueryMeter).
        for (page, url) in [("grid", gridURL), ("overview", overviewURL)] {
            let before = console.meter.reading
            try await Self.get(url, cookie: cookie)
            print("P9: \(label) \(page) page: \(console.meter.reading - before)")
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        return [
            BenchResult(
                id: "P9", what: "\(label): cohort grid \(participants)×\(events), GET over HTTP",
                figure: Self.milliseconds(grid), baseline: "\(Self.milliseconds(gridSQL)) (its queries)",
                ratio: grid / gridSQL, goal: "≤ 300 ms"),
            BenchResult(
                id: "P9", what: "\(label): overview, \(smallCohorts + 1) cohorts, GET over HTTP",
                figure: Self.milliseconds(overview), baseline: "\(Self.milliseconds(overviewSQL)) (its queries)",
                ratio: overview / overviewSQL, goal: "≤ 200 ms"),
        ]
    }

    /// The median of five timed runs, after one warm-up.
    func median(_ body: () async throws -> Void) async throws -> Double {
        try await body()
        var times: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return times.sorted()[2]
    }

    static func get(_ url: String, cookie: String) async throws {
        var request = URLRequest(url: URL(string: url)!)
        // A debug build on a busy machine took over a minute for the old grid: wait it out.
        request.timeoutInterval = 3600
        request.setValue("fb_session=\(cookie)", forHTTPHeaderField: "Cookie")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200, !data.isEmpty else {
            throw FieldbookError(.internal, "the console answered \(url) with \(response)")
        }
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
}
