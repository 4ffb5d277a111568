/// Cuts everything a peer lacks into bounded frames, one after another, keeping its
/// place between them: the sending half of a round.
///
/// Partitions are taken in a stable order. Within a partition, the streams the peer is
/// behind on are sent one at a time, each in a run of its own sequence order, so the
/// receiver writes one writer's rows and log pages together (a cold sync of 1M changes
/// took twice as long when a round interleaved 100 streams by hybrid time: P5). One rule
/// orders the streams against each other: an overwrite never reaches a peer before the
/// value it overwrote (which would look like a conflict, PROTOCOL.md section 13). When the
/// next change of a run names as its `previous` a change of another stream the peer still
/// lacks, that stream's run goes first, up to that change (and, in turn, whatever *it*
/// overwrote: each step goes to an older stamp, so this ends). Conflicts are per cell and
/// a cell lives in one partition, so order across partitions does not matter.
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
    /// The cursors of the partition being sent, and each one's index by origin.
    private var cursors: [StreamCursor] = []
    private var byOrigin: [ReplicaID: Int] = [:]
    /// The runs under way, innermost last: the stream being sent, and each stream sent
    /// first because the one outside it waits for a change of it, up to that change's stamp.
    private var runs: [(cursor: Int, through: Stamp?)] = []
    /// Every cursor before this one is drained: the next run starts here.
    private var nextRun = 0

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
    /// - Complexity: O(k) for k changes chosen, plus one read per chunk consumed (a
    ///   stream is first read when its run starts, or when another run waits for it).
    public mutating func next(from source: some ChangeSource, byteBudget: Int) throws -> BatchAssembler.Assembly {
        if local == nil { begin(try source.knowledge()) }
        var changes: [Change] = []
        var ranges: [StreamRange] = []
        var size = 0
        var full = false
        while !full {
            if cursors.isEmpty {
                guard !pending.isEmpty else { break }
                open(pending.removeFirst(), budget: byteBudget - size)
            }
            while !full, let next = try nextStream(from: source) {
                let change = cursors[next].take()
                changes.append(change)
                size += change.approximateSize
                full = size >= byteBudget
            }
            // Every stream is drained when none has a next change (so the last frame
            // says no more are coming); a frame full by its last change asks too.
            let drained = try nextStream(from: source) == nil
            for index in cursors.indices {
                if let range = cursors[index].endFrame() { ranges.append(range) }
            }
            if drained { cursors = [] }
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
    /// (the rest of the frame). Nothing is read until a run needs it.
    private mutating func open(_ partition: PartitionID, budget: Int) {
        guard let local else { return }
        let lagging = local[partition].origins.filter { local[partition][$0] > peer[partition][$0] }
        cursors = lagging.map { origin in
            StreamCursor(
                stream: StreamID(partition: partition, origin: origin), after: peer[partition][origin],
                held: local[partition][origin],
                chunk: StreamCursor.chunk(forBudget: budget, streams: lagging.count),
                maximumChunk: StreamCursor.chunk(forBudget: budget, streams: 1))
        }
        byOrigin = Dictionary(uniqueKeysWithValues: lagging.enumerated().map { ($0.element, $0.offset) })
        runs = []
        nextRun = 0
    }

    /// The cursor whose next change goes next: the innermost run's, unless that change
    /// overwrote one the peer lacks in another stream, whose run then goes first; `nil`
    /// when every stream of the partition is drained.
    private mutating func nextStream(from source: some ChangeSource) throws -> Int? {
        while true {
            if runs.isEmpty {
                while nextRun < cursors.count, try cursors[nextRun].peek(from: source) == nil { nextRun += 1 }
                guard nextRun < cursors.count else { return nil }
                runs.append((nextRun, nil))
            }
            let (index, through) = runs[runs.count - 1]
            // A run ends when its stream is drained or has reached the change the run outside waits for.
            guard let change = try cursors[index].peek(from: source), through.map({ change.stamp <= $0 }) ?? true
            else {
                runs.removeLast()
                continue
            }
            // Only an older `previous` is followed (an honest one always is): each step then
            // goes to an older stamp, so a forged pair of changes naming each other cannot
            // send this loop round for ever.
            if let previous = change.previous, previous < change.stamp, previous.origin != change.stream.origin,
                let other = byOrigin[previous.origin], let head = try cursors[other].peek(from: source),
                head.stamp <= previous
            {
                runs.append((other, previous))
                continue
            }
            return index
        }
    }
}
