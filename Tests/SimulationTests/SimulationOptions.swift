import FieldbookCore
import FieldbookTestSupport
import Foundation

/// The shape of one simulated run, derived from its seed and the scale settings.
///
/// Environment (all optional):
/// - `FIELDBOOK_SEED=n`: run only seed n (a replay);
/// - `FIELDBOOK_SEEDS=n`: run seeds 1…n (CI default: 200);
/// - `FIELDBOOK_FIRST_SEED=n`: start the range at n instead of 1;
/// - `FIELDBOOK_MAX_REPLICAS=n`: replicas per run are drawn from 5…n (default 8; at most 20);
/// - `FIELDBOOK_STEPS=n`: scheduler steps per run (default 160);
/// - `FIELDBOOK_SIM_HTTP=all|none`: rounds over loopback HTTP in every seed or none
///   (default: every fifth seed);
/// - `FIELDBOOK_SIM_POSTGRES=all|none`: the server on PostgreSQL in every seed or none
///   (default: every fourth seed, when the tests have PostgreSQL: `TestPostgres`).
///
/// A replay must use the same scale settings as the run that failed; the failure
/// message prints the complete command.
struct SimulationOptions: Sendable, CustomStringConvertible {
    var seed: UInt64
    var replicas: Int
    var steps: Int
    /// Approximate bytes per pushed and pulled batch: small, so syncs take many rounds
    /// and faults land in the middle of them.
    var batchBytes: Int
    /// Whether one replica's clock runs days ahead for a while.
    var skewedReplica: Int?
    /// Whether the office releases the skewed replica's quarantine (else its changes are
    /// re-stamped once its clock is fixed).
    var releasesQuarantine: Bool
    /// Whether a byzantine laptop (``ByzantineReplica``) lies to the server during the run.
    var byzantine: Bool
    /// Replicas that sync with a facilitator's token for one cohort (the others, replica 0
    /// always among them, with the office's): they receive only that cohort and the shared
    /// partition, and what they write elsewhere stays on the laptop.
    var facilitators: [Int]
    /// Whether rounds travel over real loopback HTTP (``LoopbackServer``) rather than
    /// straight into the service. `FIELDBOOK_SIM_HTTP=all` or `none`; by default every
    /// fifth seed. Not drawn from the seed's random source, so a seed runs the same
    /// steps either way (`aSeedRunsTheSameOverHTTP` checks it).
    var overHTTP: Bool
    /// Whether the server keeps its data in PostgreSQL (a database of its own, on the
    /// tests' cluster, `TestPostgres`) rather than in a replica file.
    /// `FIELDBOOK_SIM_POSTGRES=all` or `none`; by default every fourth seed, when the
    /// tests have PostgreSQL (CI always does). Not drawn from the seed's random source.
    var onPostgres: Bool

    /// Whether the office's mid-run release takes every origin's quarantined changes,
    /// including those of a laptop that may be re-stamping them at that moment (the race
    /// its re-stamp confirmation settles, PROTOCOL.md section 14). On by default;
    /// `FIELDBOOK_SIM_RELEASE_SKEWED_ONLY=1` releases only the laptop whose clock is still
    /// days ahead, which cannot be re-stamping (the runs before that fix).
    static var releasesEveryOrigin: Bool { environment["FIELDBOOK_SIM_RELEASE_SKEWED_ONLY"] != "1" }

    static let defaultSeeds = 200
    static let defaultMaxReplicas = 8
    static let defaultSteps = 160

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var maxReplicas: Int {
        min(20, max(5, environment["FIELDBOOK_MAX_REPLICAS"].flatMap(Int.init) ?? defaultMaxReplicas))
    }

    static var steps: Int {
        max(20, environment["FIELDBOOK_STEPS"].flatMap(Int.init) ?? defaultSteps)
    }

    /// The seeds this test run covers.
    static var seeds: [UInt64] {
        if let seed = environment["FIELDBOOK_SEED"].flatMap(UInt64.init) { return [seed] }
        let count = max(1, environment["FIELDBOOK_SEEDS"].flatMap(Int.init) ?? defaultSeeds)
        let first = environment["FIELDBOOK_FIRST_SEED"].flatMap(UInt64.init) ?? 1
        return (0..<UInt64(count)).map { first + $0 }
    }

    /// The command that replays `seed` at the current scale.
    static func replayCommand(seed: UInt64) -> String {
        var variables = ["FIELDBOOK_SEED=\(seed)"]
        if maxReplicas != defaultMaxReplicas { variables.append("FIELDBOOK_MAX_REPLICAS=\(maxReplicas)") }
        if steps != defaultSteps { variables.append("FIELDBOOK_STEPS=\(steps)") }
        if !releasesEveryOrigin { variables.append("FIELDBOOK_SIM_RELEASE_SKEWED_ONLY=1") }
        if let http = environment["FIELDBOOK_SIM_HTTP"] { variables.append("FIELDBOOK_SIM_HTTP=\(http)") }
        if let postgres = environment["FIELDBOOK_SIM_POSTGRES"] {
            variables.append("FIELDBOOK_SIM_POSTGRES=\(postgres)")
        }
        return variables.joined(separator: " ") + " swift test --filter SimulationTests"
    }

    /// The run for `seed` at the current scale.
    init(seed: UInt64) {
        var random = SeededRandom(seed: seed ^ 0x5eed_0f_f1e1d_b00c)
        self.seed = seed
        replicas = Int.random(in: 5...Self.maxReplicas, using: &random)
        steps = Self.steps
        batchBytes = [256, 512, 2048, 64 << 10].randomElement(using: &random)!
        skewedReplica = Int.random(in: 0..<10, using: &random) < 7 ? Int.random(in: 1..<replicas, using: &random) : nil
        releasesQuarantine = Bool.random(using: &random)
        // Drawn last, so the draws above give every seed the shape it had before.
        byzantine = Int.random(in: 0..<10, using: &random) < 6
        facilitators = (1..<replicas).filter { _ in Int.random(in: 0..<10, using: &random) < 3 }
        overHTTP = Self.runsOverHTTP(seed: seed)
        onPostgres = Self.runsOnPostgres(seed: seed)
    }

    static func runsOnPostgres(seed: UInt64) -> Bool {
        guard TestPostgres.enabled else { return false }
        switch environment["FIELDBOOK_SIM_POSTGRES"] {
        case "all": return true
        case "none": return false
        default: return seed % 4 == 2
        }
    }

    static func runsOverHTTP(seed: UInt64) -> Bool {
        switch environment["FIELDBOOK_SIM_HTTP"] {
        case "all": true
        case "none": false
        default: seed % 5 == 0
        }
    }

    var description: String {
        "seed \(seed): \(replicas) replicas, \(steps) steps, \(batchBytes)-byte batches, "
            + (skewedReplica.map { "replica \($0) days ahead, then \(releasesQuarantine ? "released" : "re-stamped")" }
                ?? "no replica days ahead") + (byzantine ? ", a byzantine laptop" : "")
            + (facilitators.isEmpty
                ? "" : ", facilitators' tokens on \(facilitators.map(String.init).joined(separator: ", "))")
            + (overHTTP ? ", over loopback HTTP" : "") + (onPostgres ? ", server on PostgreSQL" : "")
    }
}
