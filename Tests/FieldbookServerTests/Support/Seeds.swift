import FieldbookCore
import Foundation

/// The seeds a property test runs: a fixed list by default (so CI is reproducible),
/// more with `FIELDBOOK_SEEDS=N`, exactly one with `FIELDBOOK_SEED=S` to replay a failure.
enum Seeds {
    /// The seeds for a test with `defaultCount` cases.
    static func list(defaultCount: Int, base: UInt64) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let replay = environment["FIELDBOOK_SEED"].flatMap(UInt64.init) { return [replay] }
        let count = environment["FIELDBOOK_SEEDS"].flatMap(Int.init) ?? defaultCount
        return (0..<UInt64(max(count, 1))).map { base &+ $0 }
    }

    /// An integer knob from the environment (`name`), else `defaultValue`: lets a long
    /// run scale a test up without slowing CI down.
    static func knob(_ name: String, default defaultValue: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? defaultValue
    }
}
