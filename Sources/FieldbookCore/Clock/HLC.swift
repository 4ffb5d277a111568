/// A hybrid logical clock reading: 48 bits of Unix milliseconds and a 16-bit counter in
/// one 64-bit value (Kulkarni et al., 2014).
///
/// Comparing raw values compares time first, then the counter, so the order is the
/// causal order whenever one event could have seen the other.
public struct HLC: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// `milliseconds << 16 | counter`.
    public var rawValue: UInt64

    /// Wraps a raw 64-bit reading.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// A reading from its parts; milliseconds beyond 48 bits are truncated.
    public init(milliseconds: UInt64, counter: UInt16 = 0) {
        self.rawValue = (milliseconds & HLC.millisecondMask) << 16 | UInt64(counter)
    }

    /// The largest millisecond value a reading can hold (year 10889).
    public static let millisecondMask: UInt64 = 0xFFFF_FFFF_FFFF

    /// The reading before every real one.
    public static let zero = HLC(rawValue: 0)

    /// Unix time in milliseconds.
    public var milliseconds: UInt64 { rawValue >> 16 }

    /// Events within the same millisecond.
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// `milliseconds.counter`, e.g. `1709341200000.3`.
    public var description: String { "\(milliseconds).\(counter)" }

    public static func < (lhs: HLC, rhs: HLC) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
