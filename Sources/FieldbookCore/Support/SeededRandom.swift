/// A small, fast, seedable random number generator (xoshiro256**).
///
/// Used wherever randomness must be reproducible: simulations, property tests and
/// benchmarks print their seed, and the same seed replays the same run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        // SplitMix64 spreads one 64-bit seed over the 256-bit state, as xoshiro's authors advise.
        func next() -> UInt64 {
            defer { splitMix &+= 0x9e37_79b9_7f4a_7c15 }
            return StableHash128.avalanche(splitMix)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
