/// Cuts everything a peer lacks into bounded frames, one after another, keeping its
/// place between them: the sending half of a round.
///
/// Partitions are taken in a stable order. Within a partition, the streams the peer is
/// behind on are merged by hybrid time, so an overwrite never reaches a peer before the
/// value it overwrote (which would look like a conflict); conflicts are per cell and a
/// cell lives in one partition, so order across partitions does not matter.
///
/// Each stream is read lazily in growing chunks by a ``StreamCursor`` that lives for the
/// whole round, so a round costs what it sends plus a read per chunk, never a scan of the
/// history, and a frame costs no read at all for a stream whose chunk still has changes.
/// (Opening every stream afresh for each frame made a 16 KB frame over 100 streams cost
/// 100 queries.) It is a value: a store that answers asynchronously may assemble a frame
/// from a copy, and keep the copy only once the frame came out whole.
public struct FrameAssembler: Sendable {
    /// What the peer holds once the frames assembled so far arrive.
    public private(set) var peer: Knowledge
    /// The partitions the peer may receive; `nil` for all.
    public let partitions: Set<PartitionID>?
    /// What the replica held when the first frame was assembled: the round sends up to it.
    private var local: Knowledge?
    /// Partitions the peer lags in that no frame has opened yet, in order.
    private var pending: [PartitionID] = []
    /// The cursors of the partition being sent, and which of them holds the earliest change.
    private var cursors: [StreamCursor] = []
    private var heap = StampHeap()

    /// An assembler for everything `peer` lacks in `partitions` (`nil` for all), up to
    /// what the source holds when the first frame is assembled.
    public init(peer: Knowledge, partitions: Set<PartitionID>? = nil) {
        self.peer = peer
        self.partitions = partitions
    }

    /// An assembler for everything `peer` lacks of `local`.
    public init(local: Knowledge, peer: Knowledge, partitions: Set<PartitionID>? = nil) {
        self.init(peer: peer, partitions: partitions)
        begin(local)
    }

    /// Whether every frame was assembled.
    public var isFinished: Bool { local != nil && cursors.isEmpty && pending.isEmpty }

    /// Assembles the next frame.
    ///
    /// - Parameters:
    ///   - source: the local log, in whatever transaction the caller has open; frames may
    ///     come from different transactions.
    ///   - byteBudget: the approximate size the frame may reach; at least one change is
    ///     included while the peer lacks any, so every frame makes progress.
    /// - Returns: the frame (its changes with the ranges that vouch for them) and whether
    ///   the peer still lacks changes after it. An empty batch means nothing is lacking.
    /// - Complexity: O(k log s) for k changes chosen from s streams, plus one read per
    ///   stream opened and chunk consumed.
    public mutating func next(from source: some ChangeSource, byteBudget: Int) throws -> BatchAssembler.Assembly {
        if local == nil { begin(try source.knowledge()) }
        var changes: [Change] = []
        var ranges: [StreamRange] = []
        var size = 0
        var full = false
        while !full {
            if cursors.isEmpty {
                guard !pending.isEmpty else { break }
                try open(pending.removeFirst(), from: source, budget: byteBudget - size)
            }
            while !full, let next = heap.pop() {
                let change = cursors[next].take()
                changes.append(change)
                size += change.approximateSize
                full = size >= byteBudget
                if let stamp = try cursors[next].peekStamp(from: source) { heap.push(stamp, next) }
            }
            for index in cursors.indices {
                if let range = cursors[index].endFrame() { ranges.append(range) }
            }
            // Every cursor returned nil: each is drained and its range went out.
            if heap.isEmpty { cursors = [] }
        }
        peer.advance(through: ranges)
        return BatchAssembler.Assembly(
            batch: ChangeBatch(changes: changes, ranges: ranges), hasMore: !cursors.isEmpty || !pending.isEmpty)
    }

    private mutating func begin(_ local: Knowledge) {
        self.local = local
        pending = local.partitions.filter { partition in
            (partitions?.contains(partition) ?? true)
                && local[partition].origins.contains { local[partition][$0] > peer[partition][$0] }
        }
    }

    /// Opens a cursor on each stream of `partition` the peer lags in, sized for `budget`
    /// (the rest of the frame), and reads each one's first chunk.
    private mutating func open(_ partition: PartitionID, from source: some ChangeSource, budget: Int) throws {
        guard let local else { return }
        let lagging = local[partition].origins.filter { local[partition][$0] > peer[partition][$0] }
        cursors = lagging.map { origin in
            StreamCursor(
                stream: StreamID(partition: partition, origin: origin), after: peer[partition][origin],
                held: local[partition][origin],
                chunk: StreamCursor.chunk(forBudget: budget, streams: lagging.count),
                maximumChunk: StreamCursor.chunk(forBudget: budget, streams: 1))
        }
        heap = StampHeap()
        for index in cursors.indices {
            if let stamp = try cursors[index].peekStamp(from: source) { heap.push(stamp, index) }
        }
    }
}
