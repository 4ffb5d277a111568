/// Sixteen bytes held as two big-endian 64-bit words.
///
/// Replica, row and partition IDs are all 128-bit values; keeping them in two words
/// makes them cheap to copy, hash and compare (no heap allocation), and comparing the
/// words in order is the same as comparing the bytes lexicographically.
public struct Bytes16: Hashable, Comparable, Sendable {
    /// The first eight bytes, big-endian.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    /// All zero bytes.
    public static let zero = Bytes16(high: 0, low: 0)

    /// Creates a value from its two big-endian words.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates a value from exactly sixteen bytes, or returns `nil` for any other count.
    ///
    /// Inlinable so each caller gets a loop specialized for its collection: the generic
    /// one looked up type metadata per byte, a hot spot when the server reads IDs.
    @inlinable
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var index = 0
        for byte in bytes {
            if index < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
            index += 1
        }
        self.init(high: high, low: low)
    }

    /// Creates a value from 32 hexadecimal digits; dashes are ignored, so the canonical
    /// UUID form parses too.
    public init?(hex: some StringProtocol) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var pending: UInt8?
        for scalar in hex.unicodeScalars where scalar != "-" {
            guard let digit = Bytes16.hexDigitValue(scalar) else { return nil }
            if let high = pending {
                bytes.append(high << 4 | digit)
                pending = nil
            } else {
                pending = digit
            }
        }
        guard pending == nil else { return nil }
        self.init(bytes: bytes)
    }

    /// The sixteen bytes, most significant first.
    public var bytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            result[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            result[index + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        return result
    }

    /// 32 lowercase hexadecimal digits.
    public var hex: String {
        Bytes16.hexString(high) + Bytes16.hexString(low)
    }

    public static func < (lhs: Bytes16, rhs: Bytes16) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    static func hexString(_ word: UInt64) -> String {
        let digits = String(word, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func hexDigitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        default: nil
        }
    }
}
