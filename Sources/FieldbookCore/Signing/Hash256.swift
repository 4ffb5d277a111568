import Crypto

/// A SHA-256 value: the digest of one change, or the head of a stream's hash chain.
///
/// Held as four words rather than an array so that a frame's worth of them costs no
/// allocation each, and compares and hashes as fast as the identifiers do.
public struct Hash256: Hashable, Sendable, CustomStringConvertible {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// The hash of `bytes` under SHA-256.
    public static func of(_ bytes: [UInt8]) -> Hash256 {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Hash256(digest: hasher.finalize())
    }

    /// A value from its 32 bytes; `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() {
            words[index / 8] = words[index / 8] << 8 | UInt64(byte)
        }
        self.words = (words[0], words[1], words[2], words[3])
    }

    init(digest: SHA256.Digest) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        digest.withUnsafeBytes { raw in
            words = (
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            )
        }
        self.words = words
    }

    /// The 32 bytes, big-endian word by word.
    public var bytes: [UInt8] {
        withBytes { Array($0) }
    }

    /// Calls `body` with the 32 bytes, without making an array of them.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var bigEndian = (words.0.bigEndian, words.1.bigEndian, words.2.bigEndian, words.3.bigEndian)
        return try withUnsafeBytes(of: &bigEndian) { try body($0) }
    }

    /// SHA-256 of this value's bytes followed by `other`'s: one chain link, with no
    /// intermediate array.
    func followed(by other: Hash256) -> Hash256 {
        var hasher = SHA256()
        withBytes { hasher.update(bufferPointer: $0) }
        other.withBytes { hasher.update(bufferPointer: $0) }
        return Hash256(digest: hasher.finalize())
    }

    /// Lower-case hex, 64 characters.
    public var hex: String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    /// The first 8 hex characters, for messages.
    public var description: String { String(hex.prefix(8)) }

    public static func == (lhs: Hash256, rhs: Hash256) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
