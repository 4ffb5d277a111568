import Foundation

/// The seeds property tests and simulations run with.
///
/// CI runs a small fixed set so the suite stays fast; `FIELDBOOK_SEEDS=1000` runs more
/// for long soak runs, and `FIELDBOOK_SEED=<n>` replays exactly one seed printed by a
/// failure.
public enum Seeds {
    /// `$FIELDBOOK_SEED` alone when set, else `$FIELDBOOK_SEEDS` (default `count`)
    /// consecutive seeds starting at `base`.
    public static func list(default count: Int, base: UInt64 = 1) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let single = environment["FIELDBOOK_SEED"].flatMap(UInt64.init) { return [single] }
        let total = environment["FIELDBOOK_SEEDS"].flatMap(Int.init) ?? count
        return (0..<UInt64(max(total, 1))).map { base + $0 }
    }

    /// How to replay one seed of a suite, for failure messages.
    public static func replay(_ seed: UInt64, filter: String) -> String {
        "replay: FIELDBOOK_SEED=\(seed) swift test --filter \(filter)"
    }
}
