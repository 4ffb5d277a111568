/// Reads one stream's changes above the peer's vector, a chunk at a time, up to what the
/// replica held when the cursor opened.
///
/// The cursor keeps no source: each read takes the one its caller has open, so a round's
/// cursors live across frames read in separate transactions. That is sound because a
/// stream only grows at its end and compaction only removes changes below `held`: reading
/// on "after the last sequence read" from a later snapshot continues exactly where the
/// earlier one stopped, and anything appended since (above `held`) is left to the next
/// round.
struct StreamCursor: Sendable {
    static let chunk = 512

    /// How many changes one read takes: no more than the rest of the budget can hold
    /// (every change counts at least ``Change/minimumApproximateSize`` bytes), so a
    /// small round with many streams does not read hundreds of changes per stream to
    /// send a handful.
    ///
    /// The first read of each of `streams` cursors assumes the budget is shared evenly
    /// at a typical change size (an attendance mark, about 15 bytes); later reads of a
    /// stream that turns out to hold more of the batch double, up to 512.
    static func chunk(forBudget budget: Int, streams: Int = 1) -> Int {
        let bound = max(budget, 0) / Change.minimumApproximateSize + 1
        guard streams > 1 else { return min(chunk, bound) }
        let share = max(budget, 0) / (15 * streams) + 1
        return min(chunk, bound, max(16, share))
    }

    let stream: StreamID
    let held: UInt64
    private var chunk: Int
    private let maximumChunk: Int
    private var buffer: [Change] = []
    private var position = 0
    private var readThrough: UInt64
    private var exhausted = false
    private(set) var taken: UInt64
    /// Where the current frame's range for this stream starts.
    private var frameStart: UInt64

    init(stream: StreamID, after: UInt64, held: UInt64, chunk: Int = Self.chunk, maximumChunk: Int = Self.chunk) {
        self.stream = stream
        self.held = held
        self.chunk = chunk
        self.maximumChunk = max(chunk, maximumChunk)
        self.readThrough = after
        self.taken = after
        self.frameStart = after
        self.exhausted = after >= held
    }

    /// The next change's stamp, reading another chunk from `source` when the buffer runs
    /// out.
    mutating func peekStamp(from source: some ChangeSource) throws -> Stamp? {
        try peek(from: source)?.stamp
    }

    /// The next change, reading another chunk from `source` when the buffer runs out.
    mutating func peek(from source: some ChangeSource) throws -> Change? {
        if position == buffer.count && !exhausted {
            if !buffer.isEmpty { chunk = min(chunk * 2, maximumChunk) }
            buffer = try source.changes(in: stream, after: readThrough, limit: chunk)
            position = 0
            exhausted = buffer.count < chunk
            // Changes appended after the cursor opened belong to a later round.
            if let beyond = buffer.firstIndex(where: { $0.sequence > held }) {
                buffer.removeSubrange(beyond...)
                exhausted = true
            }
            if let last = buffer.last { readThrough = last.sequence }
            if readThrough >= held { exhausted = true }
        }
        return position < buffer.count ? buffer[position] : nil
    }

    /// Takes the next change; call only after `peek` returned one.
    mutating func take() -> Change {
        let change = buffer[position]
        position += 1
        taken = change.sequence
        return change
    }

    /// Whether every held change was taken (anything left was compacted).
    var isDrained: Bool { exhausted && position == buffer.count }

    /// Ends the current frame: the range it vouches for in this stream (through the held
    /// sequence when drained, as the rest was compacted, else through the last change
    /// taken), and the next frame's starts where it ends.
    mutating func endFrame() -> StreamRange? {
        let through = isDrained ? held : taken
        guard through > frameStart else { return nil }
        defer { frameStart = through }
        return StreamRange(stream: stream, after: frameStart, through: through)
    }
}
