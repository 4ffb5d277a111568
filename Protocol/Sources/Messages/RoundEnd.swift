/// The last frame of a framed sync answer: whether the server holds more, and what the
/// answer carried, so the client can tell a whole answer from one cut short.
public struct RoundEnd: Hashable, Sendable {
    /// Whether the server holds more changes the client lacks than this answer carried.
    public var hasMore: Bool
    /// How many change frames the answer carried.
    public var frames: UInt64
    /// How many changes those frames carried.
    public var changes: UInt64

    /// An end frame from its parts.
    public init(hasMore: Bool, frames: UInt64, changes: UInt64) {
        self.hasMore = hasMore
        self.frames = frames
        self.changes = changes
    }
}
