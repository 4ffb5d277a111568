import ArgumentParser
import Foundation

/// `fieldbook-bench`: measures the engine against plain SQLite (and the wire, and the
/// server) in one run on this machine, and prints each figure as a ratio to its
/// baseline so noisy shared machines still give comparable numbers.
///
/// Run it in release: `swift run -c release fieldbook-bench` (`--quick` for a smoke run).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldbook-bench", abstract: "Benchmark Fieldbook against plain SQLite baselines (P1–P10).")

    @Flag(help: "Smaller sizes, for a quick check that everything runs.") var quick = false
    @Option(help: "Only these benchmarks, comma-separated (P1,P2,P3,P4,P5,P6,P7,P8,P9,P10).") var only: String?
    @Option(help: "Folder for the benchmark files (default: a temporary folder).") var directory: String?
    @Option(help: "Also run P2 and P8 on PostgreSQL: a URL of a role that may create databases.")
    var postgres: String?
    @Option(help: "Servers sharing the PostgreSQL database in P8.") var servers = 1

    func run() async throws {
        let selected = Set(
            (only ?? "P1,P2,P3,P4,P5,P6,P7,P8,P9,P10").uppercased().split(separator: ",").map(String.init))
        let folder =
            directory ?? NSTemporaryDirectory() + "fieldbook-bench-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let scale: BenchScale = quick ? .quick : .full
        print("fieldbook-bench (\(quick ? "quick" : "full") run) in \(folder)")
        #if DEBUG
            print("warning: this is a debug build; run `swift run -c release fieldbook-bench` for real figures")
        #endif
        var results: [BenchResult] = []
        let store = StoreBenchmarks(folder: folder, scale: scale)
        if selected.contains("P1") { results += try store.attendanceWrites() }
        if selected.contains("P2") { results += try store.bulkMerge() }
        if selected.contains("P6") { results += try store.fileSize() }
        let sync = SyncBenchmarks(folder: folder, scale: scale, store: store)
        if selected.contains("P3") { results += try sync.wireSize() }
        let history = "\(folder)/p2-engine.sqlite"
        if selected.contains("P4") || selected.contains("P5") || selected.contains("P7"),
            !FileManager.default.fileExists(atPath: history)
        {
            results += try store.bulkMerge()
        }
        if selected.contains("P4") { results += try await sync.incrementalRound(historyPath: history) }
        // The real `fieldbook` built beside this executable (P5, P7, P10).
        let client = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("fieldbook").path
        if selected.contains("P5") || selected.contains("P7") {
            let smaller = try store.historyFile(changes: scale.mergeReplicas * scale.mergeChangesPerReplica / 4)
            results += try await sync.coldSync(
                historyPaths: [
                    ("\(scale.mergeReplicas * scale.mergeChangesPerReplica / 4)", smaller),
                    ("\(scale.mergeReplicas * scale.mergeChangesPerReplica)", history),
                ],
                client: client)
        }
        if selected.contains("P8") { results += try await sync.manyReplicas(count: scale.replicasAtOnce) }
        if let postgres {
            let bench = PostgresBenchmarks(baseURL: postgres, scale: scale, store: store)
            if selected.contains("P2") { results += try await bench.bulkMerge() }
            if selected.contains("P8") { results += try await bench.manyReplicas(sync: sync, serverCount: servers) }
        }
        if selected.contains("P9") {
            let bench = postgres.map { PostgresBenchmarks(baseURL: $0, scale: scale, store: store) }
            results += try await ConsoleBenchmarks(
                folder: folder, quick: quick, postgres: bench, keepDatabase: directory != nil
            ).run()
        }
        if selected.contains("P10") {
            results += try RosterBenchmarks(folder: folder, quick: quick, client: client).run()
        }
        print("\n" + BenchResult.table(results))
    }
}

/// How big the benchmark workloads are.
struct BenchScale: Sendable {
    var singleWrites: Int
    var bulkWrites: Int
    var mergeReplicas: Int
    var mergeChangesPerReplica: Int
    var replicasAtOnce: Int

    static let full = BenchScale(
        singleWrites: 2_000, bulkWrites: 100_000, mergeReplicas: 100, mergeChangesPerReplica: 10_000,
        replicasAtOnce: 200)
    static let quick = BenchScale(
        singleWrites: 200, bulkWrites: 10_000, mergeReplicas: 10, mergeChangesPerReplica: 2_000, replicasAtOnce: 20)
}

/// One measured figure and its baseline.
struct BenchResult: Sendable {
    var id: String
    var what: String
    var figure: String
    var baseline: String
    var ratio: Double?
    var goal: String

    static func table(_ results: [BenchResult]) -> String {
        let header = ["ID", "WHAT", "FIGURE", "BASELINE", "RATIO", "GOAL"]
        let rows = results.map {
            [$0.id, $0.what, $0.figure, $0.baseline, $0.ratio.map { String(format: "%.2f×", $0) } ?? "-", $0.goal]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        return ([header] + rows).map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Seconds taken by `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
