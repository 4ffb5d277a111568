import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookStore
import FieldbookSync
import FieldbookTestSupport
import Foundation

/// P3 (bytes on the wire), P4 (incremental round vs history size), P5/P7 (cold sync time
/// and the client's peak memory) and P8 (many replicas at once).
struct SyncBenchmarks {
    let folder: String
    let scale: BenchScale
    let store: StoreBenchmarks

    // MARK: P3

    func wireSize() throws -> [BenchResult] {
        let partition = PartitionID(.init(high: 3, low: 3))
        var random = SeededRandom(seed: 5)
        let origin = ReplicaID.random(using: &random)
        let events = (0..<10).map { _ in RowID.make(milliseconds: 1_709_000_000_000, using: &random) }
        let participants = (0..<100).map { _ in RowID.make(milliseconds: 1_709_000_000_000, using: &random) }
        var time: UInt64 = 1_709_341_200_000
        var changes: [Change] = []
        for index in 0..<1000 {
            time += 1 + random.next() % 3000
            let previous =
                index % 2 == 0 ? nil : Stamp(time: HLC(milliseconds: time - 86_400_000), origin: origin)
            changes.append(
                Change(
                    partition: partition, table: "attendance",
                    key: RowKey(events[index / 100], participants[index % 100]),
                    column: "status", value: .text(StoreBenchmarks.statuses[Int(random.next() % 4)]),
                    stamp: Stamp(time: HLC(milliseconds: time), origin: origin), sequence: UInt64(index + 1),
                    previous: previous))
        }
        let batch = ChangeBatch(
            changes: changes,
            ranges: [StreamRange(stream: StreamID(partition: partition, origin: origin), after: 0, through: 1000)])
        let request = SyncRequest(
            schemaVersion: 1, replica: origin, clientTime: time, knowledge: Knowledge(), batch: batch)
        let wire = WireFormat.frame(.changes(request.batch))
        let naive = try JSONEncoder().encode(
            changes.map {
                [
                    "partition": $0.partition.description, "table": $0.table, "key": $0.key.description,
                    "column": $0.column, "value": $0.value.description, "time": "\($0.stamp.time.rawValue)",
                    "origin": $0.origin.description, "sequence": "\($0.sequence)",
                    "previous": $0.previous.map { "\($0.time.rawValue)@\($0.origin)" } ?? "",
                ]
            })
        return [
            BenchResult(
                id: "P3", what: "wire bytes per attendance change (batch of 1,000)",
                figure: String(format: "%.1f B", Double(wire.count) / 1000),
                baseline: String(format: "%.1f B (JSON)", Double(naive.count) / 1000),
                ratio: Double(wire.count) / Double(naive.count), goal: "≤ 12 B")
        ]
    }

    // MARK: P4

    /// Median time of one sync round pushing one change, against a server holding
    /// `history` (a replica file) and against an empty one.
    func incrementalRound(historyPath: String) async throws -> [BenchResult] {
        let rounds = scale.singleWrites / 10
        let large = try await BenchServer(path: historyPath)
        let empty = try await BenchServer(path: "\(folder)/p4-empty.sqlite")
        let largeTime = try await roundLatency(server: large, rounds: rounds)
        let emptyTime = try await roundLatency(server: empty, rounds: rounds)
        let history = try (large.store as! SQLiteSyncStore).store.logCounts()
        await large.stop()
        await empty.stop()
        return [
            BenchResult(
                id: "P4", what: "1-change round, \(history.winners + history.superseded)-change history vs empty",
                figure: String(format: "%.2f ms", largeTime * 1000),
                baseline: String(format: "%.2f ms", emptyTime * 1000),
                ratio: largeTime / emptyTime, goal: "≤ 1.2×")
        ]
    }

    /// Median latency of rounds from a client that holds everything the server holds.
    func roundLatency(server: BenchServer, rounds: Int) async throws -> Double {
        let transport = try HTTPSyncTransport(baseURL: server.url)
        var random = SeededRandom(seed: 9)
        let client = ReplicaID.random(using: &random)
        let partition = PartitionID(.init(high: 4, low: 4))
        let stream = StreamID(partition: partition, origin: client)
        var knowledge = try await server.store.knowledge()
        var times: [Double] = []
        for sequence in 1...UInt64(max(10, rounds)) {
            let change = Change(
                partition: partition, table: "attendance",
                key: RowKey(RowID.make(milliseconds: 1, using: &random), RowID.make(milliseconds: 1, using: &random)),
                column: "status", value: .text("present"),
                stamp: Stamp(time: HLC(milliseconds: SystemWallClock().milliseconds()), origin: client),
                sequence: sequence, previous: nil)
            let open = RoundOpen(
                schemaVersion: 1, replica: client, clientTime: SystemWallClock().milliseconds(), knowledge: knowledge)
            let push = ChangeBatch(
                changes: [change], ranges: [StreamRange(stream: stream, after: sequence - 1, through: sequence)])
            let body = WireFormat.frame(.roundOpen(open)) + WireFormat.frame(.changes(push))
            var status = 0
            let seconds = try await measureAsync { status = try await transport.post(body, token: server.token).status }
            guard status == 200 else { throw FieldbookError(.internal, "P4 round answered HTTP \(status)") }
            knowledge[stream] = sequence
            times.append(seconds)
        }
        try await transport.shutdown()
        return times.sorted()[times.count / 2]
    }

    // MARK: P5, P7

    /// A cold sync of the whole history by the real `fieldbook` binary, in its own process,
    /// timed, with its peak resident memory.
    func coldSync(historyPaths: [(label: String, path: String)], client: String) async throws -> [BenchResult] {
        var results: [BenchResult] = []
        var peaks: [Int] = []
        for (label, path) in historyPaths {
            let server = try await BenchServer(path: path)
            let replica = "\(folder)/p5-client-\(label).sqlite"
            try? FileManager.default.removeItem(atPath: replica)
            _ = try Fieldbook.create(at: replica, name: "bench client")
            let (seconds, peakKiB, status, output) = try runMeasured(
                client, ["sync", "--db", replica, "--server", server.url, "--token", server.token, "--json"])
            await server.stop()
            guard status == 0 else { throw FieldbookError(.internal, "P5 client exited \(status)") }
            let received = try ReplicaStore.open(at: replica, schema: NPQSchema.current).logCounts()
            let held = received.winners + received.superseded
            peaks.append(peakKiB)
            results.append(
                BenchResult(
                    id: "P5", what: "cold sync over loopback HTTP, \(label) history",
                    figure: String(format: "%.1f s", seconds),
                    baseline: "\(held) changes held",
                    ratio: nil, goal: "≤ 10 s for 1M"))
            // The sync's own account (`--json`): change frames merged and answer bytes received.
            let summary = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            let frames = summary?["frames"] as? Int ?? 0
            let bytesDown = summary?["bytes_down"] as? Int ?? 0
            let syncSeconds = summary?["seconds"] as? Double ?? seconds
            results.append(
                BenchResult(
                    id: "P5", what: "cold sync frames merged per second, \(label) history",
                    figure: String(format: "%.0f frames/s", Double(frames) / max(syncSeconds, 0.001)),
                    baseline: "\(frames) frames in \(String(format: "%.1f", syncSeconds)) s",
                    ratio: nil, goal: "-"))
            results.append(
                BenchResult(
                    id: "P5", what: "cold sync bytes per change on the wire, \(label) history",
                    figure: String(format: "%.2f B/change", Double(bytesDown) / Double(max(held, 1))),
                    baseline: "\(bytesDown / 1024) KiB down for \(held) changes",
                    ratio: nil, goal: "≤ 12 (P3)"))
            results.append(
                BenchResult(
                    id: "P7", what: "client peak memory, \(label) history", figure: "\(peakKiB / 1024) MiB",
                    baseline: peaks.count > 1 ? "\(peaks[0] / 1024) MiB (first)" : "-",
                    ratio: peaks.count > 1 ? Double(peakKiB) / Double(peaks[0]) : nil, goal: "≤ 100 MB, flat"))
        }
        return results
    }

    /// Runs a child process under `/usr/bin/time`; returns wall seconds, its peak RSS in KiB,
    /// its exit status and its standard output. (`time` waits for the child itself, so its
    /// figure is exact.)
    func runMeasured(_ executable: String, _ arguments: [String]) throws -> (Double, Int, Int32, String) {
        let process = Process()
        let report = Pipe()
        // Standard output goes to a file: a pipe read only after stderr could fill and block the child.
        let outputPath = "\(folder)/p5-client-output-\(UUID().uuidString).json"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "fieldbook-peak-kib %M", executable] + arguments
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = report
        let start = ContinuousClock.now
        try process.run()
        let timeReport = String(decoding: report.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let peak =
            timeReport.split(separator: "\n").last { $0.hasPrefix("fieldbook-peak-kib ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (seconds, peak, process.terminationStatus, output)
    }

    // MARK: P8

    /// Many replicas syncing at once against one server: each writes a few marks and syncs.
    func manyReplicas(count: Int) async throws -> [BenchResult] {
        let server = try await BenchServer(path: "\(folder)/p8-server.sqlite")
        var results = try await manyReplicas(count: count, servers: [server], label: "SQLite")
        await server.stop()
        // The same laptops arriving one after another over 20 s (one every 100 ms for 200),
        // as a Saturday's sessions end, on a server of its own: what a round costs the
        // server when it does not queue behind 199 others.
        let spreadServer = try await BenchServer(path: "\(folder)/p8-server-spread.sqlite")
        results += try await manyReplicas(
            count: count, servers: [spreadServer], label: "SQLite", spread: .seconds(scale.replicasAtOnce / 10))
        await spreadServer.stop()
        return results
    }

    /// Many replicas syncing, spread in turn over `servers`; the caller stops them.
    ///
    /// - Parameter spread: all at once when zero; else laptop *i* starts `i × spread /
    ///   count` after the first.
    func manyReplicas(count: Int, servers: [BenchServer], label: String, spread: Duration = .zero) async throws
        -> [BenchResult]
    {
        let arrival = spread == .zero ? "at once" : "arriving over \(spread.components.seconds) s"
        let files = spread == .zero ? label : label + "-spread"
        // As in the field: four facilitators' laptops per cohort, 50 cohorts for 200 laptops.
        // (With every laptop in one cohort, each pulled all the others' marks: the clients
        // did quadratic work on the benchmark's two cores and the server waited for CPU.)
        func cohort(_ index: Int) -> PartitionID { PartitionID(cohort: RowID(.init(high: 8, low: UInt64(index / 4)))) }
        let replicas = try (0..<count).map { index in
            try Fieldbook.create(at: "\(folder)/p8-\(files)-replica-\(index).sqlite", name: "replica \(index)")
        }
        for (index, replica) in replicas.enumerated() {
            var random = SeededRandom(seed: UInt64(index))
            try replica.store.write { tx in
                for _ in 0..<20 {
                    try tx.set(
                        table: "attendance",
                        key: RowKey(
                            RowID.make(milliseconds: 1, using: &random), RowID.make(milliseconds: 1, using: &random)),
                        partition: cohort(index), values: ["status": .text("present")])
                }
            }
        }
        // As in the field: each laptop has its own token (a token binds to the first replica
        // that syncs with it) and its own HTTP client and connection, for its cohort.
        var tokens: [String] = []
        for index in replicas.indices {
            tokens.append(
                try await servers[index % servers.count].issueToken(scope: .cohorts([cohort(index)])))
        }
        let transports = try replicas.indices.map { try HTTPSyncTransport(baseURL: servers[$0 % servers.count].url) }
        let latencies = LatencyRecorder()
        let failures = FailureRecorder()
        let started = ContinuousClock.now
        let errors = await withTaskGroup(of: Int.self) { group in
            for (index, replica) in replicas.enumerated() {
                let token = tokens[index]
                let transport = transports[index]
                // The laptops' blocking SQLite work runs on threads of its own: on Swift's
                // cooperative pool (two threads here) it left the in-process server no thread,
                // and P8 measured the benchmark's queue instead of the server.
                let delay = spread / count * index
                group.addTask(executorPreference: OffPoolExecutor.shared) {
                    if delay > .zero { try? await Task.sleep(until: started + delay, clock: .continuous) }
                    let timed = TimedTransport(inner: transport, recorder: latencies)
                    do {
                        try await SyncClient(store: replica.store, transport: timed, token: token).run()
                        return 0
                    } catch {
                        failures.record(error)
                        return 1
                    }
                }
            }
            return await group.reduce(0, +)
        }
        let total = ContinuousClock.now - started
        for transport in transports { try await transport.shutdown() }
        if let first = failures.first { print("P8 \(label): \(errors) syncs failed; the first: \(first)") }
        let sorted = latencies.values.sorted()
        let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        let p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        let server = RoundTimeHistogram(servers)
        let serverP99 = server.bound(of: 0.99)
        return [
            BenchResult(
                id: "P8",
                what:
                    "\(count) replicas syncing \(arrival), \(label): p99 round seen by the laptops (\(sorted.count) rounds, \(errors) errors)",
                figure: String(format: "%.0f ms", p99 * 1000), baseline: String(format: "p50 %.0f ms", p50 * 1000),
                ratio: nil, goal: "0 errors; total \(total.components.seconds) s"),
            BenchResult(
                id: "P8",
                what: "the same, p99 round time on the server (\(server.total) rounds, its histogram)",
                figure: serverP99.isFinite ? String(format: "≤ %.0f ms", serverP99 * 1000) : "> 10 s",
                baseline: String(format: "%.1f%% of rounds ≤ 50 ms", server.share(within: 0.05) * 100),
                ratio: nil, goal: "≤ 50 ms"),
        ]
    }
}

/// Records each round's latency.
final class LatencyRecorder: @unchecked Sendable {
    // @unchecked: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var recorded: [Double] = []

    func add(_ seconds: Double) { lock.withLock { recorded.append(seconds) } }
    var values: [Double] { lock.withLock { recorded } }
}

/// The first error of a group of syncs, so a benchmark that counts failures also says why.
final class FailureRecorder: @unchecked Sendable {
    // @unchecked: `recorded` is only touched under `lock`.
    private let lock = NSLock()
    private var recorded: String?

    func record(_ error: any Error) { lock.withLock { recorded = recorded ?? "\(error)" } }
    var first: String? { lock.withLock { recorded } }
}

/// A transport that times every round it carries.
struct TimedTransport: SyncTransport {
    let inner: any SyncTransport
    let recorder: LatencyRecorder

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        let seconds = try await measureAsync { try await inner.post(body, token: token, receive: receive) }
        recorder.add(seconds)
    }
}

/// Seconds taken by an async `body`.
func measureAsync(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
