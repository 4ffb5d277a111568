/// How big the frames and rounds of a sync are: small on a link that drops, large on a
/// good one. Remembered in the replica, so a laptop on a bad link starts small next time.
public struct LinkSizes: Hashable, Sendable {
    /// Approximate bytes of changes per frame: what a cut can cost at most.
    public var frameBytes: Int
    /// Approximate bytes of changes per round, each way.
    public var roundBytes: Int

    /// Sizes from their parts.
    public init(frameBytes: Int, roundBytes: Int) {
        self.frameBytes = frameBytes
        self.roundBytes = roundBytes
    }

    /// The sizes a laptop starts with on its first sync: 16 KB frames (a few KB on the
    /// wire once compressed) and 4 MB rounds.
    public static let standard = LinkSizes(frameBytes: 16 << 10, roundBytes: 4 << 20)
    /// The smallest sizes failures shrink to: a frame of 1 KB still carries dozens of
    /// attendance marks, and crosses a link that cuts every few KB.
    public static let smallest = LinkSizes(frameBytes: 1 << 10, roundBytes: 16 << 10)
    /// The largest sizes successes grow to: rounds stay at 4 MB, well inside the server's
    /// request limit (8 MiB) whatever the push holds; frames grow to 64 KB.
    public static let largest = LinkSizes(frameBytes: 64 << 10, roundBytes: 4 << 20)

    /// Halved, down to ``smallest``: after any failed attempt.
    public func shrunk() -> LinkSizes {
        LinkSizes(
            frameBytes: max(Self.smallest.frameBytes, frameBytes / 2),
            roundBytes: max(Self.smallest.roundBytes, roundBytes / 2))
    }

    /// Doubled, up to `limit`: after a round that completed.
    public func grown(upTo limit: LinkSizes) -> LinkSizes {
        LinkSizes(
            frameBytes: min(limit.frameBytes, max(frameBytes, frameBytes * 2)),
            roundBytes: min(limit.roundBytes, max(roundBytes, roundBytes * 2)))
    }

    /// Where the sizes are remembered in the replica's settings.
    public static let settingKey = "sync.link_sizes"

    /// The form kept in the replica's settings: `frame,round`.
    public var storedForm: String { "\(frameBytes),\(roundBytes)" }

    /// Reads the stored form; `nil` for anything else.
    public init?(storedForm: String) {
        let parts = storedForm.split(separator: ",").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { return nil }
        self.init(frameBytes: parts[0], roundBytes: parts[1])
    }
}
