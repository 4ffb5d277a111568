import Fieldbook
import FieldbookCore
import FieldbookServer
import FieldbookSync
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// P2 (merge throughput) and P8 (many replicas syncing at once) against each store, the
/// workloads of `fieldbook-bench`. Off by default: `FIELDBOOK_BENCH=1` runs them (with
/// `FIELDBOOK_BENCH_QUICK=1` for a small run), printing one line per figure; use a
/// durable cluster (`.ci/postgres-start` without --fast) in `FIELDBOOK_TEST_POSTGRES_URL`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FIELDBOOK_BENCH"] == "1"), .serialized)
struct StoreBenchmarkTests {
    static var quick: Bool { ProcessInfo.processInfo.environment["FIELDBOOK_BENCH_QUICK"] == "1" }

    /// The histories of `fieldbook-bench` P2: origins writing attendance cells of one
    /// cohort in hybrid-time order, each cell written about twice.
    static func histories(replicas: Int, changes: Int) -> [ChangeBatch] {
        let partition = PartitionID(.init(high: 2, low: 2))
        var random = SeededRandom(seed: 3)
        let cellCount = replicas * changes / 2
        let events = (0..<max(1, cellCount / 500)).map { _ in
            RowID.make(milliseconds: 1_700_000_000_000, using: &random)
        }
        let participants = (0..<500).map { _ in RowID.make(milliseconds: 1_700_000_000_000, using: &random) }
        let statuses = ["present", "late", "absent", "excused"]
        return (0..<replicas).map { index in
            let origin = ReplicaID.random(using: &random)
            var time = 1_700_000_000_000 as UInt64
            var batch: [Change] = []
            for sequence in 1...UInt64(changes) {
                time += random.next() % 50
                let cell = Int(random.next() % UInt64(cellCount))
                batch.append(
                    Change(
                        partition: partition, table: "attendance",
                        key: RowKey(events[cell / 500], participants[cell % 500]), column: "status",
                        value: .text(statuses[Int(random.next() % 4)]),
                        stamp: Stamp(time: HLC(milliseconds: time, counter: UInt16(index)), origin: origin),
                        sequence: sequence, previous: nil))
            }
            return ChangeBatch(
                changes: batch,
                ranges: [
                    StreamRange(
                        stream: StreamID(partition: partition, origin: origin), after: 0, through: UInt64(changes))
                ])
        }
    }

    @Test(arguments: StoreBackend.available)
    func p2MergeThroughput(_ backend: StoreBackend) async throws {
        let (replicas, changes) = Self.quick ? (10, 2_000) : (100, 10_000)
        let histories = Self.histories(replicas: replicas, changes: changes)
        try await withStore(backend) { store in
            var report = BatchMerger.Report()
            let started = ContinuousClock.now
            for history in histories { report.add(try await store.merge(history, from: history.changes[0].origin)) }
            let seconds = Self.seconds(ContinuousClock.now - started)
            print(
                String(
                    format:
                        "P2 %@: merged %d changes from %d replicas in %.1f s: %.0f changes/s (%d conflicts, %d superseded)",
                    backend.rawValue, replicas * changes, replicas, seconds, Double(replicas * changes) / seconds,
                    report.conflicts, report.superseded))
        }
    }

    @Test(arguments: StoreBackend.available)
    func p8ManyReplicasAtOnce(_ backend: StoreBackend) async throws {
        let count = Self.quick ? 20 : 200
        let folder = NSTemporaryDirectory() + "fieldbook-p8-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let test = try await backend.makeStore()
        // PostgreSQL: several servers on the one database (FIELDBOOK_BENCH_SERVERS, 2 by
        // default), replicas taking turns between them.
        var stores: [any SyncStore] = [test.store]
        let servers = Int(ProcessInfo.processInfo.environment["FIELDBOOK_BENCH_SERVERS"] ?? "") ?? 2
        if backend == .postgres, let url = test.url {
            for _ in 1..<max(1, servers) { stores.append(try await PostgresSyncStore.connect(url: url)) }
        }
        let token = DeviceToken.generate()
        try await test.store.insertToken(
            StoredToken(id: token.id, name: "bench", secretHash: token.secretHash, scope: .all, issuedAt: 0))
        var running: [BenchmarkServer] = []
        for store in stores { running.append(try await BenchmarkServer(store: store)) }
        let cohort = PartitionID(cohort: RowID(.init(high: 8, low: 8)))
        let replicas = try (0..<count).map { index in
            let replica = try Fieldbook.create(at: "\(folder)/replica-\(index).sqlite", name: "replica \(index)")
            var random = SeededRandom(seed: UInt64(index))
            try replica.store.write { tx in
                for _ in 0..<20 {
                    try tx.set(
                        table: "attendance",
                        key: RowKey(
                            RowID.make(milliseconds: 1, using: &random), RowID.make(milliseconds: 1, using: &random)),
                        partition: cohort, values: ["status": .text("present")])
                }
            }
            return replica
        }
        let transports = try running.map { try HTTPSyncTransport(baseURL: $0.url) }
        let latencies = Latencies()
        let started = ContinuousClock.now
        let errors = await withTaskGroup(of: Int.self) { group in
            for (index, replica) in replicas.enumerated() {
                let transport = Timed(inner: transports[index % transports.count], latencies: latencies)
                group.addTask {
                    do {
                        try await SyncClient(store: replica.store, transport: transport, token: token.text).run()
                        return 0
                    } catch {
                        return 1
                    }
                }
            }
            return await group.reduce(0, +)
        }
        let total = Self.seconds(ContinuousClock.now - started)
        for transport in transports { try await transport.shutdown() }
        for server in running { await server.stop() }
        for store in stores.dropFirst() { await (store as? PostgresSyncStore)?.close() }
        await test.dispose()
        let sorted = latencies.values.withLock { $0 }.sorted()
        print(
            String(
                format:
                    "P8 %@ (%d server%@): %d replicas at once, %d rounds, %d errors: p50 %.0f ms, p99 %.0f ms, total %.1f s",
                backend.rawValue, running.count, running.count == 1 ? "" : "s", count, sorted.count, errors,
                sorted[sorted.count / 2] * 1000, sorted[min(sorted.count - 1, sorted.count * 99 / 100)] * 1000, total))
        #expect(errors == 0)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A transport that records each round's latency.
    struct Timed: SyncTransport {
        let inner: any SyncTransport
        let latencies: Latencies

        func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
            let started = ContinuousClock.now
            let result = try await inner.post(body, token: token)
            let seconds = StoreBenchmarkTests.seconds(ContinuousClock.now - started)
            latencies.values.withLock { $0.append(seconds) }
            return result
        }
    }
}

/// Round latencies, recorded from many tasks.
final class Latencies: Sendable {
    let values = Mutex<[Double]>([])
}

/// A sync server in this process on a free loopback port.
final class BenchmarkServer: Sendable {
    let url: String
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(store: any SyncStore) async throws {
        var logger = Logger(label: "fieldbook.bench.server")
        logger.logLevel = .error
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(service: SyncService(store: store, logger: logger), port: 0, logger: logger) {
            continuation.yield($0)
        }
        group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        task = Task { [group] in try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        url = "http://127.0.0.1:\(port)"
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
