/// A row identifier: a UUIDv7 (RFC 9562) made offline, with no coordination.
///
/// The first 48 bits are the Unix time in milliseconds, so IDs sort roughly by creation;
/// the remaining 74 bits (after version and variant) are random, so two replicas that
/// create rows in the same millisecond still never collide in practice.
public struct RowID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The sixteen bytes.
    public var rawValue: Bytes16

    /// Wraps sixteen bytes as a row ID.
    public init(_ rawValue: Bytes16) {
        self.rawValue = rawValue
    }

    /// Parses the canonical form (`0190f2c4-5e1a-7b3c-9d2e-4f5a6b7c8d9e`) or 32 bare hex digits.
    public init?(_ text: some StringProtocol) {
        guard let raw = Bytes16(hex: text) else { return nil }
        self.init(raw)
    }

    /// A new version 7 UUID for the given Unix time in milliseconds.
    ///
    /// - Parameters:
    ///   - milliseconds: Unix time in milliseconds; only the low 48 bits are used.
    ///   - generator: the source of the 74 random bits.
    public static func make(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> RowID {
        let randomA = generator.next() & 0x0FFF
        let randomB = generator.next() & 0x3FFF_FFFF_FFFF_FFFF
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | randomA
        let low = 0x8000_0000_0000_0000 | randomB
        return RowID(Bytes16(high: high, low: low))
    }

    /// A name-based ID (version 8 layout) derived from a stable 128-bit hash of `name`.
    ///
    /// Every replica derives the same ID from the same name, which is how built-in
    /// reference rows and conflict ledger entries get the same key everywhere.
    public static func derived(from name: some Sequence<UInt8>) -> RowID {
        var hash = StableHash128()
        hash.combine(name)
        let digest = hash.finalize()
        let high = digest.high & ~0xF000 | 0x8000
        let low = digest.low & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return RowID(Bytes16(high: high, low: low))
    }

    /// The canonical lowercase 8-4-4-4-12 form.
    public var description: String {
        let hex = Array(rawValue.hex)
        return String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-"
            + String(hex[16..<20]) + "-" + String(hex[20..<32])
    }

    /// The random tail of the ID (its last twelve hex digits), which people type as a short ID.
    ///
    /// A UUIDv7 starts with a timestamp, so rows made in the same minute share long
    /// prefixes; the tail is random and short prefixes of it are almost always unique.
    public var tail: String { String(rawValue.hex.suffix(12)) }

    /// The eight-digit short form shown in listings: the start of ``tail``.
    public var short: String { String(tail.prefix(8)) }

    public static func < (lhs: RowID, rhs: RowID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
