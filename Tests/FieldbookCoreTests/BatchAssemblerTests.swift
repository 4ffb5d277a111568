import FieldbookCore
import FieldbookTestSupport
import Foundation
import Synchronization
import Testing

struct BatchAssemblerTests {
    typealias M = Make
    static let now: UInt64 = 1_709_341_200_000

    /// A source where replicas A, B and C wrote interleaved in time, in two partitions.
    static func interleavedSource(seed: UInt64, writes: Int = 60) -> MemoryReplica {
        var random = SeededRandom(seed: seed)
        let source = MemoryReplica(M.a)
        var time = Self.now
        for index in 0..<writes {
            time += UInt64.random(in: 0...2, using: &random)
            let origin = [M.a, M.b, M.c].randomElement(using: &random)!
            let partition = random.next() % 3 == 0 ? M.cohort : PartitionID.shared
            let stream = StreamID(partition: partition, origin: origin)
            let sequence = (source.held[stream] ?? 0) + 1
            let change = M.change(
                M.cell(UInt64(index % 7), "c\(index % 3)"), .text(String(repeating: "x", count: index % 9)),
                at: M.stamp(time, origin, counter: UInt16(index)), sequence: sequence, partition: partition)
            source.held[stream] = sequence
            source.log[stream, default: [:]][sequence] = change
        }
        return source
    }

    /// Assembles batches for `peer` until none remain, merging each into the peer.
    static func drain(_ source: MemoryReplica, into peer: MemoryReplica, byteBudget: Int, maximum: Int = 10_000)
        throws -> [ChangeBatch]
    {
        var batches: [ChangeBatch] = []
        while batches.count < maximum {
            let assembly = try BatchAssembler.assemble(
                from: source, local: try source.knowledge(), peer: try peer.knowledge(), byteBudget: byteBudget)
            batches.append(assembly.batch)
            _ = try BatchMerger.merge(assembly.batch, into: peer, policy: .init(sender: nil, now: Self.now))
            if !assembly.hasMore { break }
        }
        return batches
    }

    /// Within a partition each stream comes in one run, in sequence order, so a receiver
    /// writes one writer's rows together (none of these changes overwrote another's, so
    /// nothing calls for another order).
    @Test(arguments: Seeds.list(default: 8))
    func eachStreamOfAPartitionComesInOneRun(seed: UInt64) throws {
        let source = Self.interleavedSource(seed: seed)
        let assembly = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: Knowledge(), byteBudget: .max)
        #expect(!assembly.hasMore)
        #expect(assembly.batch.changes.count == 60)
        var runs: [StreamID] = []
        for change in assembly.batch.changes where runs.last != change.stream { runs.append(change.stream) }
        #expect(runs.count == Set(runs).count, "seed \(seed): a stream was interrupted: \(runs.count) runs")
        for stream in Set(runs) {
            let sequences = assembly.batch.changes.filter { $0.stream == stream }.map(\.sequence)
            #expect(sequences == Array(1...UInt64(sequences.count)), "seed \(seed)")
        }
        // Partitions come one after the other, in a stable order.
        let partitions = assembly.batch.changes.map(\.partition)
        #expect(partitions == partitions.sorted(), "seed \(seed)")
    }

    /// Writers that overwrite each other knowingly (each write names the value it replaced),
    /// interleaved in time: whatever the frame size, an overwrite never reaches the peer
    /// before the value it overwrote, so a peer that merges the frames in turn records no
    /// conflict (there was none), and still every stream comes in as few runs as that allows.
    @Test(arguments: Seeds.list(default: 8))
    func anOverwriteNeverArrivesBeforeTheValueItOverwrote(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let source = MemoryReplica(M.a)
        let origins = (0..<6).map { ReplicaID(Bytes16(high: 0x200 + UInt64($0), low: 1)) }
        var winner: [CellAddress: Stamp] = [:]
        var time = Self.now
        for index in 0..<400 {
            time += UInt64.random(in: 1...2, using: &random)
            let origin = origins.randomElement(using: &random)!
            let stream = StreamID(partition: M.cohort, origin: origin)
            let cell = M.cell(UInt64.random(in: 0..<30, using: &random), "status")
            let stamp = M.stamp(time, origin, counter: UInt16(index))
            let sequence = (source.held[stream] ?? 0) + 1
            source.held[stream] = sequence
            source.log[stream, default: [:]][sequence] = M.change(
                cell, .text("v\(index)"), at: stamp, sequence: sequence, previous: winner[cell], partition: M.cohort)
            winner[cell] = stamp
        }
        for budget in [1, 60, 400, 4_000, .max] {
            let frames = try FrameAssemblerTests.frames(source, peer: Knowledge(), byteBudget: budget)
            let sent = frames.flatMap(\.changes)
            #expect(sent.count == 400)
            var arrived: Set<Stamp> = []
            for change in sent {
                if let previous = change.previous {
                    #expect(arrived.contains(previous), "seed \(seed), budget \(budget): \(change) before its previous")
                }
                arrived.insert(change.stamp)
            }
            let peer = MemoryReplica(M.b)
            for frame in frames {
                _ = try BatchMerger.merge(frame, into: peer, policy: .init(sender: nil, now: Self.now + 1_000))
            }
            #expect(peer.conflicts.isEmpty, "seed \(seed), budget \(budget): \(peer.conflicts.count) false conflicts")
            #expect(try peer.knowledge() == source.knowledge())
            let runs = zip(sent, sent.dropFirst()).count { $0.stream != $1.stream } + 1
            #expect(runs < 400 / 2, "seed \(seed), budget \(budget): \(runs) runs for 400 changes of 6 streams")
        }
    }

    /// A lying laptop's pushed changes may name each other as `previous`, each "overwriting"
    /// a newer one: the assembler follows only an older `previous`, so it cannot be sent
    /// round in a loop, and a server still answers every round. (Run on a thread of its
    /// own with a deadline, so a regression fails instead of hanging the suite.)
    @Test func changesNamingEachOtherAsPreviousCannotTrapTheAssembler() throws {
        let source = MemoryReplica(M.a)
        let cell = M.cell(1, "status")
        let first = M.stamp(Self.now + 10, M.b)
        let second = M.stamp(Self.now + 20, M.c)
        for (stamp, previous) in [(first, second), (second, first)] {
            let stream = StreamID(partition: M.cohort, origin: stamp.origin)
            source.held[stream] = 1
            source.log[stream] = [
                1: M.change(cell, .text("\(stamp)"), at: stamp, sequence: 1, previous: previous, partition: M.cohort)
            ]
        }
        let done = DispatchSemaphore(value: 0)
        let sent = Mutex(0)
        // Only the thread uses the replica from here on.
        nonisolated(unsafe) let handedOver = source
        Thread.detachNewThread {
            let assembly = try? BatchAssembler.assemble(
                from: handedOver, local: try! handedOver.knowledge(), peer: Knowledge(), byteBudget: .max)
            sent.withLock { $0 = assembly?.batch.changes.count ?? -1 }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 20) == .success, "the assembler did not finish")
        #expect(sent.withLock { $0 } == 2)
    }

    @Test(arguments: Seeds.list(default: 8))
    func smallBudgetsDeliverEverythingExactlyOnceWithContiguousRanges(seed: UInt64) throws {
        let source = Self.interleavedSource(seed: seed)
        let peer = MemoryReplica(M.b)
        var random = SeededRandom(seed: seed)
        let budget = Int.random(in: 1...200, using: &random)
        let batches = try Self.drain(source, into: peer, byteBudget: budget)
        let delivered = batches.flatMap(\.changes)
        #expect(delivered.count == 60, "seed \(seed) budget \(budget)")
        #expect(Set(delivered).count == delivered.count, "seed \(seed): no change twice")
        #expect(try peer.knowledge() == (try source.knowledge()), "seed \(seed)")
        for batch in batches.dropLast() {
            // Every round makes progress, and a batch goes over budget by at most one change.
            #expect(!batch.changes.isEmpty)
            let size = batch.changes.map(\.approximateSize).reduce(0, +)
            #expect(size - batch.changes.last!.approximateSize < budget, "seed \(seed): batch over budget")
        }
        var reached: [StreamID: UInt64] = [:]
        for range in batches.flatMap(\.ranges) {
            #expect(range.after == reached[range.stream, default: 0], "seed \(seed): ranges must be contiguous")
            reached[range.stream] = range.through
        }
    }

    @Test func budgetStopsTheBatchAndSaysMoreRemain() throws {
        let source = Self.interleavedSource(seed: 1)
        let first = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: Knowledge(), byteBudget: 1)
        #expect(first.batch.changes.count == 1, "at least one change, and no more once over budget")
        #expect(first.hasMore)
        #expect(first.batch.ranges.count == 1)
        #expect(first.batch.ranges[0].through == first.batch.changes[0].sequence)
    }

    @Test func peerThatHoldsEverythingGetsAnEmptyBatch() throws {
        let source = Self.interleavedSource(seed: 2)
        let assembly = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: try source.knowledge(), byteBudget: .max)
        #expect(assembly.batch.isEmpty)
        #expect(!assembly.hasMore)
    }

    @Test func onlyTheAllowedPartitionsAreSent() throws {
        let source = Self.interleavedSource(seed: 3)
        let assembly = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: Knowledge(), partitions: [M.cohort], byteBudget: .max)
        #expect(!assembly.batch.changes.isEmpty)
        #expect(assembly.batch.changes.allSatisfy { $0.partition == M.cohort })
        #expect(assembly.batch.ranges.allSatisfy { $0.stream.partition == M.cohort })
        #expect(!assembly.hasMore)
    }

    @Test func rangesCoverCompactedGapsAndACompactedTail() throws {
        let source = MemoryReplica(M.a)
        for index in 1...10 {
            source.write(M.cell(UInt64(index)), partition: .shared, .integer(Int64(index)), now: Self.now)
        }
        let stream = StreamID(partition: .shared, origin: M.a)
        source.compact(stream, sequences: [2, 3, 4, 9, 10])
        let assembly = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: Knowledge(), byteBudget: .max)
        #expect(assembly.batch.changes.map(\.sequence) == [1, 5, 6, 7, 8])
        #expect(assembly.batch.ranges == [StreamRange(stream: stream, after: 0, through: 10)])
        #expect(!assembly.hasMore)

        let peer = MemoryReplica(M.b)
        _ = try BatchMerger.merge(assembly.batch, into: peer, policy: .init(sender: M.a, now: Self.now))
        #expect(try peer.knowledge() == (try source.knowledge()))
    }

    @Test func smallBudgetAcrossACompactedTailStillReachesTheHeldSequence() throws {
        let source = MemoryReplica(M.a)
        for index in 1...6 {
            source.write(M.cell(UInt64(index)), partition: .shared, .integer(Int64(index)), now: Self.now)
        }
        let stream = StreamID(partition: .shared, origin: M.a)
        source.compact(stream, sequences: [5, 6])
        let peer = MemoryReplica(M.b)
        let batches = try Self.drain(source, into: peer, byteBudget: 1)
        #expect(batches.flatMap(\.changes).map(\.sequence) == [1, 2, 3, 4])
        #expect(peer.held[stream] == 6)
    }

    @Test func fullyCompactedStreamStillAdvancesThePeer() throws {
        let source = MemoryReplica(M.a)
        for index in 1...3 {
            source.write(M.cell(UInt64(index)), partition: .shared, .integer(Int64(index)), now: Self.now)
        }
        let stream = StreamID(partition: .shared, origin: M.a)
        source.compact(stream, sequences: 1...3)
        let assembly = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: Knowledge(), byteBudget: 10)
        #expect(assembly.batch.changes.isEmpty)
        #expect(assembly.batch.ranges == [StreamRange(stream: stream, after: 0, through: 3)])
        #expect(!assembly.batch.isEmpty, "a batch of ranges alone still carries news")
    }

    @Test(arguments: [1, 100, 1_000_000])
    func streamsLongerThanOneReadChunkAreReadInChunks(budget: Int) throws {
        let source = MemoryReplica(M.a)
        let count = 1_300
        for index in 1...count {
            source.write(
                M.cell(UInt64(index % 50)), partition: .shared, .integer(Int64(index)),
                now: Self.now + UInt64(index / 3))
        }
        let stream = StreamID(partition: .shared, origin: M.a)
        // Compact around the chunk boundaries (512 and 1024).
        source.compact(stream, sequences: Array(500...530) + Array(1_020...1_030) + Array(1_290...1_300))
        let peer = MemoryReplica(M.b)
        let batches = try Self.drain(source, into: peer, byteBudget: budget)
        let sequences = batches.flatMap(\.changes).map(\.sequence)
        #expect(sequences == Array(source.log[stream]!.keys).sorted())
        #expect(peer.held[stream] == UInt64(count))
    }

    /// Promise 4: a round costs what it sends. With many streams and a small budget, the
    /// assembler must not read hundreds of changes per stream to send a handful.
    @Test func aSmallRoundReadsLittleMoreThanItSends() throws {
        let source = MemoryReplica(M.a)
        let origins = (1...20).map { ReplicaID(Bytes16(high: 0xF0 + UInt64($0), low: 0)) }
        for (index, origin) in origins.enumerated() {
            let stream = StreamID(partition: .shared, origin: origin)
            for sequence in 1...600 {
                source.log[stream, default: [:]][UInt64(sequence)] = M.change(
                    M.cell(UInt64(sequence % 40)), .integer(Int64(sequence)),
                    at: M.stamp(Self.now + UInt64(sequence), origin, counter: UInt16(index)), sequence: UInt64(sequence)
                )
            }
            source.held[stream] = 600
        }
        let assembly = try BatchAssembler.assemble(
            from: source, local: try source.knowledge(), peer: Knowledge(), byteBudget: 300)
        let sent = assembly.batch.changes.count
        let size = assembly.batch.changes.first?.approximateSize ?? 1
        #expect(sent <= 300 / size + 1)
        // At most what the budget could hold (every change counts at least the minimum), per stream.
        let bound = origins.count * (300 / Change.minimumApproximateSize + 1)
        #expect(source.changesRead <= bound, "read \(source.changesRead) changes from the log to send \(sent)")
    }
}
