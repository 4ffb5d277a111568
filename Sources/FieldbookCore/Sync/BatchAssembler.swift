/// Chooses the bounded batch of changes a peer lacks: the other half of sync.
///
/// Partitions are taken in a stable order. Within a partition, the streams the peer is
/// behind on are merged by hybrid time, so an overwrite never reaches a peer before the
/// value it overwrote (which would look like a conflict); conflicts are per cell and a
/// cell lives in one partition, so order across partitions does not matter. Each stream
/// is read lazily in chunks, so a round costs what it sends plus one query per stream
/// it touches, never a scan of the history.
public enum BatchAssembler {
    /// The result of assembling one batch.
    public struct Assembly: Sendable {
        /// The batch to send.
        public var batch: ChangeBatch
        /// Whether the peer still lacks changes after this batch.
        public var hasMore: Bool

        /// An assembly from its parts.
        public init(batch: ChangeBatch, hasMore: Bool) {
            self.batch = batch
            self.hasMore = hasMore
        }
    }

    /// Assembles the next batch of changes `peer` lacks.
    ///
    /// - Parameters:
    ///   - source: the local log.
    ///   - local: what the local replica holds (its ``Knowledge``).
    ///   - peer: what the peer holds.
    ///   - partitions: the partitions the peer may receive; `nil` for all.
    ///   - byteBudget: the approximate size the batch may reach; at least one change is
    ///     always included so every round makes progress.
    /// - Complexity: O(k log s) for k changes chosen from s streams, plus one read per
    ///   stream touched and chunk consumed.
    public static func assemble(
        from source: some ChangeSource, local: Knowledge, peer: Knowledge,
        partitions: Set<PartitionID>? = nil, byteBudget: Int
    ) throws -> Assembly {
        var changes: [Change] = []
        var ranges: [StreamRange] = []
        var size = 0
        var full = false
        var hasMore = false

        for partition in local.partitions where partitions?.contains(partition) ?? true {
            let lagging = local[partition].origins.filter { local[partition][$0] > peer[partition][$0] }
            guard !lagging.isEmpty else { continue }
            if full {
                hasMore = true
                break
            }
            var cursors = try lagging.map { origin in
                try StreamCursor(
                    source: source, stream: StreamID(partition: partition, origin: origin),
                    after: peer[partition][origin], held: local[partition][origin],
                    chunk: StreamCursor.chunk(forBudget: byteBudget - size, streams: lagging.count),
                    maximumChunk: StreamCursor.chunk(forBudget: byteBudget - size, streams: 1)
                )
            }
            var heap = StampHeap()
            for index in cursors.indices {
                if let stamp = try cursors[index].peekStamp() { heap.push(stamp, index) }
            }
            while !full, let next = heap.pop() {
                let change = try cursors[next].take()
                changes.append(change)
                size += change.approximateSize
                full = size >= byteBudget
                if let stamp = try cursors[next].peekStamp() { heap.push(stamp, next) }
            }
            for cursor in cursors {
                if let range = cursor.range { ranges.append(range) }
                if !cursor.isDrained { hasMore = true }
            }
        }
        return Assembly(batch: ChangeBatch(changes: changes, ranges: ranges), hasMore: hasMore)
    }
}

/// Reads one stream's changes above the peer's vector, a chunk at a time.
struct StreamCursor {
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

    let source: any ChangeSource
    let stream: StreamID
    let start: UInt64
    let held: UInt64
    private var chunk: Int
    private let maximumChunk: Int
    private var buffer: [Change] = []
    private var position = 0
    private var readThrough: UInt64
    private var exhausted = false
    private(set) var taken: UInt64

    init(
        source: some ChangeSource, stream: StreamID, after: UInt64, held: UInt64, chunk: Int = Self.chunk,
        maximumChunk: Int = Self.chunk
    ) throws {
        self.source = source
        self.stream = stream
        self.start = after
        self.held = held
        self.chunk = chunk
        self.maximumChunk = max(chunk, maximumChunk)
        self.readThrough = after
        self.taken = after
    }

    /// The next change's stamp, reading another chunk when the buffer runs out.
    mutating func peekStamp() throws -> Stamp? {
        if position == buffer.count && !exhausted {
            if !buffer.isEmpty { chunk = min(chunk * 2, maximumChunk) }
            buffer = try source.changes(in: stream, after: readThrough, limit: chunk)
            position = 0
            exhausted = buffer.count < chunk
            if let last = buffer.last { readThrough = last.sequence }
        }
        return position < buffer.count ? buffer[position].stamp : nil
    }

    /// Takes the next change; call only after `peekStamp` returned a stamp.
    mutating func take() throws -> Change {
        let change = buffer[position]
        position += 1
        taken = change.sequence
        return change
    }

    /// Whether every held change was taken (anything left was compacted).
    var isDrained: Bool { exhausted && position == buffer.count }

    /// The range this cursor vouches for: through the held sequence when drained (the
    /// rest was compacted), else through the last change taken.
    var range: StreamRange? {
        let through = isDrained ? held : taken
        return through > start ? StreamRange(stream: stream, after: start, through: through) : nil
    }
}
