/// A 128-bit hash that is the same on every machine and in every process.
///
/// Swift's `Hasher` is seeded per process, so it cannot derive keys that must agree
/// across replicas. This is two independent 64-bit FNV-1a lanes, each finished with the
/// SplitMix64 avalanche so that similar inputs land far apart. It is not cryptographic:
/// it derives keys from data that replicas already trust.
public struct StableHash128: Sendable {
    private var laneA: UInt64 = 0xcbf2_9ce4_8422_2325
    private var laneB: UInt64 = 0x8422_2325_cbf2_9ce4
    private var length: UInt64 = 0

    /// An empty hash state.
    public init() {}

    /// Feeds bytes into the hash.
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            laneA = (laneA ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            laneB = (laneB ^ UInt64(byte ^ 0x5c)) &* 0x0000_0100_0000_01b3
            length &+= 1
        }
    }

    /// Feeds a 64-bit integer (big-endian bytes) into the hash.
    public mutating func combine(_ value: UInt64) {
        combine((0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) })
    }

    /// The 128-bit digest.
    public func finalize() -> Bytes16 {
        Bytes16(high: Self.avalanche(laneA ^ length), low: Self.avalanche(laneB &+ length))
    }

    static func avalanche(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
