import FieldbookCore
import FieldbookTestSupport
import Foundation
import Testing

/// Whole sync sessions under faults, one seed each (see `SimulationOptions` for the
/// environment that picks seeds and scale). A failure prints its seed and the command
/// that replays it.
struct SimulationTests {
    /// Runs the seeds two at a time (the machine's cores) and reports every failing seed.
    @Test func seedsConverge() async throws {
        let seeds = SimulationOptions.seeds
        let jobs = max(1, ProcessInfo.processInfo.environment["FIELDBOOK_SIM_JOBS"].flatMap(Int.init) ?? 2)
        let started = ContinuousClock.now
        var total = SimulationStats()
        var failures: [(seed: UInt64, message: String)] = []
        try await withThrowingTaskGroup(of: (UInt64, Result<SimulationStats, SimulationFailure>).self) { group in
            var next = seeds.makeIterator()
            func launch() {
                guard let seed = next.next() else { return }
                group.addTask(executorPreference: OffPoolExecutor.shared) { (seed, await Self.run(seed: seed)) }
            }
            for _ in 0..<jobs { launch() }
            var done = 0
            while let (seed, outcome) = try await group.next() {
                switch outcome {
                case .success(let stats):
                    total.add(stats)
                case .failure(let failure):
                    failures.append((seed, failure.description))
                    // Printed now too, so a long run that is stopped early still shows it.
                    print("simulation seed \(seed) FAILED: \(failure.description.prefix(2000))")
                    print("replay: \(SimulationOptions.replayCommand(seed: seed))")
                }
                done += 1
                if seeds.count > SimulationOptions.defaultSeeds && done % 100 == 0 {
                    print(
                        "simulation: \(done) of \(seeds.count) seeds, \(failures.count) failed, \(ContinuousClock.now - started)"
                    )
                }
                launch()
            }
        }
        let elapsed = ContinuousClock.now - started
        print("simulation: \(total.summary); \(failures.count) failed; \(elapsed)")
        for (seed, message) in failures.sorted(by: { $0.seed < $1.seed }) {
            Issue.record(
                "simulation seed \(seed) failed: \(message)\nreplay: \(SimulationOptions.replayCommand(seed: seed))")
        }
    }

    /// The same seed gives the same run: same actions, same final data.
    @Test func aSeedReplaysExactly() async throws {
        let seed: UInt64 = 42
        var traces: [[String]] = []
        var snapshots: [[String: String]] = []
        for _ in 0..<2 {
            let simulation = try Simulation(options: SimulationOptions(seed: seed))
            _ = try await simulation.run()
            traces.append(simulation.trace)
            snapshots.append(simulation.serverSnapshot)
        }
        #expect(traces[0] == traces[1])
        #expect(snapshots[0] == snapshots[1])
    }

    /// Rounds over loopback HTTP change nothing: a seed run over HTTP takes the same steps
    /// and ends with the same data as the same seed run straight into the service.
    @Test func aSeedRunsTheSameOverHTTP() async throws {
        var traces: [[String]] = []
        var snapshots: [[String: String]] = []
        var summaries: [String] = []
        for overHTTP in [false, true] {
            var options = SimulationOptions(seed: 42)
            options.overHTTP = overHTTP
            let simulation = try Simulation(options: options)
            summaries.append(try await simulation.run().summary)
            #expect(simulation.server.loopback == nil, "the loopback server is stopped at the end")
            if overHTTP {
                let server = simulation.server!
                #expect(server.roundsOverHTTP == server.rounds && server.cutRoundsOverHTTP > 0)
            }
            traces.append(simulation.trace.filter { !$0.contains(options.description) })
            snapshots.append(simulation.serverSnapshot)
        }
        #expect(traces[0] == traces[1], "first difference: \(Self.firstDifference(traces[0], traces[1]) ?? "none")")
        #expect(snapshots[0] == snapshots[1])
        #expect(summaries[0] == summaries[1])
    }

    static func firstDifference(_ a: [String], _ b: [String]) -> String? {
        zip(a, b).first { $0 != $1 }.map { "\($0.0)\n  over HTTP: \($0.1)" }
    }

    /// Runs one seed, turning any failure into a report with the tail of its trace.
    static func run(seed: UInt64) async -> Result<SimulationStats, SimulationFailure> {
        let options = SimulationOptions(seed: seed)
        var simulation: Simulation?
        do {
            simulation = try Simulation(options: options)
            return .success(try await simulation!.run())
        } catch {
            await simulation?.server?.close()
            if let path = ProcessInfo.processInfo.environment["FIELDBOOK_SIM_TRACE"], let simulation {
                try? simulation.trace.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            }
            let trace = simulation?.trace.suffix(40).joined(separator: "\n  ") ?? ""
            return .failure(SimulationFailure(description: "\(options)\n\(error)\nlast steps:\n  \(trace)"))
        }
    }
}
