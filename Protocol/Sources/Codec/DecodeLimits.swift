/// The most a decoder accepts from one message, checked before anything is allocated
/// for it, so a forged length, a huge count or a decompression bomb is refused cheaply.
///
/// A server keeps the defaults or lowers them; a client importing a large bundle may
/// raise them.
public struct DecodeLimits: Hashable, Sendable {
    /// The largest envelope accepted, header included (default 16 MiB).
    public var maxEncodedBytes: Int
    /// The largest payload accepted once inflated (default 64 MiB).
    public var maxDecodedBytes: Int
    /// The most changes one message may carry (default 1,000,000).
    public var maxChanges: Int

    /// Limits from their parts; each default is generous for a sync round or a bundle.
    public init(maxEncodedBytes: Int = 16 << 20, maxDecodedBytes: Int = 64 << 20, maxChanges: Int = 1_000_000) {
        self.maxEncodedBytes = maxEncodedBytes
        self.maxDecodedBytes = maxDecodedBytes
        self.maxChanges = maxChanges
    }

    /// The limits of one frame of a sync round: frames are small (a few KB to a few
    /// hundred), so a forged frame costs a receiver at most a few MB.
    public static let frame = DecodeLimits(maxEncodedBytes: 4 << 20, maxDecodedBytes: 16 << 20, maxChanges: 200_000)
}
