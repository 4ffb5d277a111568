import FieldbookCore

/// The ``FieldbookCore/ChangeSource`` of one batch assembly: serves each stream from
/// changes read ahead, in one snapshot.
///
/// ``FieldbookCore/BatchAssembler`` reads streams lazily and synchronously; PostgreSQL
/// answers asynchronously. So a run answers from what was read, and a stream it has not
/// read far enough answers empty and is noted: the caller reads every noted stream in
/// one query and assembles again. Reads grow geometrically per stream, so a batch takes
/// a few runs at most, and the final run sees exactly what a connected source would.
final class PostgresChangeSource: ChangeSource {
    /// What has been read of one stream: every held change with sequence in
    /// `(start, through]`, in order; `exhausted` when nothing held follows.
    struct Prefix {
        var start: UInt64
        var through: UInt64
        var changes: [Change] = []
        var exhausted = false
        var lastRead = 0
    }

    /// A stream to read further: `count` changes after `after`.
    struct Request: Hashable {
        var stream: StreamID
        var after: UInt64
        var count: Int
    }

    let local: Knowledge
    /// How many changes to read of a stream at first: enough for its share of the batch.
    let firstRead: Int
    private(set) var prefixes: [StreamID: Prefix] = [:]
    private(set) var requests: [StreamID: Request] = [:]

    init(local: Knowledge, peer: Knowledge, partitions: Set<PartitionID>?, byteBudget: Int) {
        self.local = local
        let lagging = local.streams.filter {
            (partitions?.contains($0.partition) ?? true) && local[$0] > peer[$0]
        }.count
        // About 14 bytes per change (an attendance mark); twice the fair share per stream.
        let budget = max(1, byteBudget / 14)
        firstRead = min(4096, max(64, 2 * budget / max(1, lagging)))
    }

    /// Starts a new assembly run.
    func beginRun() {
        requests.removeAll()
    }

    func knowledge() throws -> Knowledge { local }

    func changes(in stream: StreamID, after: UInt64, limit: Int) throws -> [Change] {
        guard let prefix = prefixes[stream], after >= prefix.start else {
            let lag = Int(clamping: local[stream] &- after)
            requests[stream] = Request(stream: stream, after: after, count: max(1, min(lag, max(limit, firstRead))))
            prefixes[stream] = nil
            return []
        }
        var low = 0
        var high = prefix.changes.count
        while low < high {
            let middle = (low + high) / 2
            if prefix.changes[middle].sequence <= after { low = middle + 1 } else { high = middle }
        }
        let available = prefix.changes.count - low
        if available >= limit || prefix.exhausted {
            return Array(prefix.changes[low..<min(prefix.changes.count, low + limit)])
        }
        let lag = Int(clamping: local[stream] &- prefix.through)
        requests[stream] = Request(
            stream: stream, after: prefix.through, count: max(1, min(lag, max(limit - available, 2 * prefix.lastRead))))
        return []
    }

    /// Adds what a request read.
    func add(_ changes: [Change], for request: Request) {
        var prefix =
            prefixes[request.stream].flatMap { $0.through == request.after ? $0 : nil }
            ?? Prefix(start: request.after, through: request.after)
        prefix.changes += changes
        prefix.through = changes.last?.sequence ?? prefix.through
        prefix.lastRead = request.count
        prefix.exhausted = changes.count < request.count || prefix.through >= local[request.stream]
        prefixes[request.stream] = prefix
    }
}
