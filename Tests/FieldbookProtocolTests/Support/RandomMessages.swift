import FieldbookCore

@testable import FieldbookProtocol

/// Seeded random messages of every kind, biased towards the edges the codec must carry
/// exactly: extreme integers and timestamps, empty and repeated strings, canonically
/// equivalent spellings, pair keys, sequence jumps, and IDs reused across fields.
struct RandomMessages {
    var random: SeededRandom
    private let replicas: [ReplicaID]
    private let partitions: [PartitionID]
    private let rows: [RowID]
    private static let names = ["attendance", "notes", "participants", "status", "body", "deleted", "名前", "a"]
    private static let texts = [
        "", "present", "late", "absent", "é", "e\u{301}", "👩🏽‍🏫 教师", String(repeating: "x", count: 64),
        String(repeating: "y", count: 65), "line\nbreak\u{0}nul",
    ]

    init(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        replicas = (0..<4).map { _ in ReplicaID.random(using: &random) } + [.genesis]
        partitions = (0..<3).map { _ in PartitionID(Bytes16(high: random.next(), low: random.next())) } + [.shared]
        rows = (0..<12).map { _ in RowID(Bytes16(high: random.next(), low: random.next())) }
        self.random = random
    }

    mutating func message() -> Message {
        switch Int.random(in: 0..<10, using: &random) {
        case 9:
            .bundleHead(
                BundleHead(
                    schemaVersion: uint32(), author: pick(replicas), createdAt: uint64(), knowledge: knowledge(),
                    base: knowledge(), frames: uint64(), changes: uint64()))
        case 5:
            .roundOpen(
                RoundOpen(
                    schemaVersion: uint32(), replica: pick(replicas), clientTime: uint64(), knowledge: knowledge(),
                    frameBytes: uint32(), roundBytes: uint32()))
        case 6:
            .changes(batch())
        case 7:
            .roundHead(
                RoundHead(
                    server: pick(replicas), serverTime: uint64(), knowledge: knowledge(),
                    accepted: MergeSummary(
                        applied: uint32(), superseded: uint32(), duplicates: uint32(), conflicts: uint32(),
                        quarantined: uint32(), unknown: uint32()),
                    quarantined: list(upTo: 3) { StreamStart(stream: $0.stream(), sequence: $0.uint64()) },
                    writablePartitions: Bool.random(using: &random) ? nil : list(upTo: 3) { $0.stream().partition }))
        case 8:
            .roundEnd(RoundEnd(hasMore: Bool.random(using: &random), frames: uint64(), changes: uint64()))
        case 0:
            .syncRequest(
                SyncRequest(
                    schemaVersion: uint32(), replica: pick(replicas), clientTime: uint64(), knowledge: knowledge(),
                    batch: batch(), maxResponseBytes: uint32()))
        case 1:
            .syncResponse(
                SyncResponse(
                    server: pick(replicas), serverTime: uint64(), knowledge: knowledge(),
                    accepted: MergeSummary(
                        applied: uint32(), superseded: uint32(), duplicates: uint32(), conflicts: uint32(),
                        quarantined: uint32(), unknown: uint32()),
                    quarantined: list(upTo: 3) { StreamStart(stream: $0.stream(), sequence: $0.uint64()) },
                    batch: batch(), hasMore: Bool.random(using: &random),
                    writablePartitions: Bool.random(using: &random) ? nil : list(upTo: 3) { $0.stream().partition }))
        case 2:
            .error(
                ErrorMessage(
                    code: FieldbookError.Code(rawValue: UInt16.random(in: 0...UInt16.max, using: &random)),
                    message: pick(Self.texts), resume: chance() ? range() : nil, serverTime: uint64(),
                    supportedFormats: list(upTo: 3) { UInt8(truncatingIfNeeded: $0.random.next()) },
                    supportedSchemas: chance() ? schemaRange() : nil))
        case 3:
            .bundle(
                Bundle(
                    schemaVersion: uint32(), author: pick(replicas), createdAt: uint64(), knowledge: knowledge(),
                    batch: batch()))
        default:
            .knowledge(KnowledgeFile(replica: pick(replicas), knowledge: knowledge()))
        }
    }

    mutating func knowledge() -> Knowledge {
        var knowledge = Knowledge()
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            knowledge[StreamID(partition: pick(partitions), origin: pick(replicas))] = uint64()
        }
        return knowledge
    }

    mutating func batch() -> ChangeBatch {
        ChangeBatch(changes: list(upTo: 40) { $0.change() }, ranges: list(upTo: 4) { $0.range() })
    }

    mutating func change() -> Change {
        let key = chance() ? RowKey(pick(rows), pick(rows)) : RowKey(pick(rows))
        return Change(
            partition: pick(partitions), table: pick(Self.names), key: key, column: pick(Self.names), value: value(),
            stamp: stamp(), sequence: uint64(), previous: chance() ? stamp() : nil)
    }

    mutating func value() -> Value {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: .null
        case 1: .integer(chance() ? Int64.random(in: -300...300, using: &random) : Int64(bitPattern: random.next()))
        case 2:
            .real(
                pick([0.0, -0.0, 1.5, -Double.infinity, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude]))
        case 3: .blob(list(upTo: 20) { UInt8(truncatingIfNeeded: $0.random.next()) })
        default: .text(pick(Self.texts))
        }
    }

    /// Timestamps mostly close together (the common case the deltas favour), sometimes
    /// anywhere in the 48-bit range (the deltas' extremes), with all counter edges.
    mutating func stamp() -> Stamp {
        let milliseconds =
            chance()
            ? 1_709_341_200_000 + UInt64.random(in: 0...600_000, using: &random)
            : pick([0, HLC.millisecondMask, UInt64.random(in: 0...HLC.millisecondMask, using: &random)])
        let counter = pick([0, 0, 1, UInt16.max, UInt16.random(in: 0...UInt16.max, using: &random)])
        return Stamp(time: HLC(milliseconds: milliseconds, counter: counter), origin: pick(replicas))
    }

    mutating func stream() -> StreamID {
        StreamID(partition: pick(partitions), origin: pick(replicas))
    }

    /// Any range, including reversed ones: the codec carries what it is given and leaves
    /// judging batches to the merger.
    mutating func range() -> StreamRange {
        StreamRange(stream: stream(), after: uint64(), through: uint64())
    }

    mutating func schemaRange() -> ClosedRange<UInt32> {
        let bounds = [uint32(), uint32()].sorted()
        return bounds[0]...bounds[1]
    }

    /// Small numbers usually, extremes sometimes.
    mutating func uint64() -> UInt64 {
        pick([0, 1, UInt64.random(in: 0...1_000, using: &random), UInt64.max, random.next()])
    }

    mutating func uint32() -> UInt32 {
        UInt32(truncatingIfNeeded: uint64())
    }

    mutating func chance() -> Bool {
        Bool.random(using: &random)
    }

    mutating func pick<T>(_ options: [T]) -> T {
        options[Int.random(in: 0..<options.count, using: &random)]
    }

    mutating func list<T>(upTo count: Int, _ make: (inout RandomMessages) -> T) -> [T] {
        (0..<Int.random(in: 0...count, using: &random)).map { _ in make(&self) }
    }
}
