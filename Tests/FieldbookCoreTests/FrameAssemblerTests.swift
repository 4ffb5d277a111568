import FieldbookCore
import FieldbookTestSupport
import Testing

/// A round cut into frames by one ``FrameAssembler`` that keeps its cursors: the same
/// frames as assembling each afresh, far fewer reads, and nothing written or compacted
/// between frames breaks a frame.
struct FrameAssemblerTests {
    typealias M = Make

    /// `streams` origins each writing `perStream` changes in one partition, interleaved in time.
    static func manyStreams(_ streams: Int, perStream: Int) -> MemoryReplica {
        let source = MemoryReplica(M.a)
        var time = BatchAssemblerTests.now
        let origins = (0..<streams).map { ReplicaID(Bytes16(high: 0x100 + UInt64($0), low: 1)) }
        for round in 0..<perStream {
            for (index, origin) in origins.enumerated() {
                time += 1
                let stream = StreamID(partition: M.cohort, origin: origin)
                let sequence = UInt64(round + 1)
                source.held[stream] = sequence
                source.log[stream, default: [:]][sequence] = M.change(
                    M.cell(UInt64(index * perStream + round), "status"), .text("present"),
                    at: M.stamp(time, origin), sequence: sequence, partition: M.cohort)
            }
        }
        return source
    }

    /// Every frame of one round, from one assembler.
    static func frames(_ source: MemoryReplica, peer: Knowledge, byteBudget: Int) throws -> [ChangeBatch] {
        var assembler = FrameAssembler(peer: peer)
        var frames: [ChangeBatch] = []
        while frames.count < 100_000 {
            let assembly = try assembler.next(from: source, byteBudget: byteBudget)
            if assembly.batch.isEmpty { break }
            frames.append(assembly.batch)
            if !assembly.hasMore { break }
        }
        #expect(assembler.isFinished)
        return frames
    }

    /// The frames assembling each one afresh from the advanced vector gives (how rounds
    /// were cut before cursors were kept).
    static func freshFrames(_ source: MemoryReplica, peer: Knowledge, byteBudget: Int) throws -> [ChangeBatch] {
        var peer = peer
        var frames: [ChangeBatch] = []
        while frames.count < 100_000 {
            let assembly = try BatchAssembler.assemble(
                from: source, local: try source.knowledge(), peer: peer, byteBudget: byteBudget)
            if assembly.batch.isEmpty { break }
            frames.append(assembly.batch)
            peer.advance(through: assembly.batch.ranges)
            if !assembly.hasMore { break }
        }
        return frames
    }

    @Test(arguments: Seeds.list(default: 8))
    func keptCursorsCutTheSameFramesAsFreshOnes(seed: UInt64) throws {
        let source = BatchAssemblerTests.interleavedSource(seed: seed, writes: 300)
        for budget in [1, 40, 200, 1_000, .max] {
            let kept = try Self.frames(source, peer: Knowledge(), byteBudget: budget)
            let fresh = try Self.freshFrames(source, peer: Knowledge(), byteBudget: budget)
            #expect(kept == fresh, "seed \(seed), budget \(budget): \(kept.count) frames vs \(fresh.count)")
            // Each frame vouches for its own changes: every change lies in a range of its frame.
            for frame in kept {
                for change in frame.changes {
                    #expect(
                        frame.ranges.contains {
                            $0.stream == change.stream && $0.after < change.sequence && change.sequence <= $0.through
                        }, "seed \(seed), budget \(budget): a change outside its frame's ranges")
                }
            }
        }
    }

    /// 100 streams of 100 changes in 16 KB frames: kept cursors read each stream about
    /// once per chunk. (Opening every stream for every frame, before streams were sent in
    /// runs, read each stream once per frame: 100 reads a frame.)
    @Test func keptCursorsReadEachStreamOncePerChunkNotOncePerFrame() throws {
        let source = Self.manyStreams(100, perStream: 100)
        let kept = try Self.frames(source, peer: Knowledge(), byteBudget: 16 * 1024)
        let keptReads = source.reads
        source.reads = 0
        let fresh = try Self.freshFrames(source, peer: Knowledge(), byteBudget: 16 * 1024)
        let freshReads = source.reads
        print(
            "100 streams × 100 changes in 16 KB frames: \(kept.count) frames, \(keptReads) reads with kept cursors, \(freshReads) opening them per frame"
        )
        #expect(kept == fresh)
        #expect(kept.reduce(0) { $0 + $1.changes.count } == 10_000)
        // 100 first reads of 16 changes, then chunks doubling to 512: a few reads per stream.
        #expect(keptReads <= 100 * 4, "kept cursors read \(keptReads) times for \(kept.count) frames")
        // A fresh assembler reads only the streams its frame takes from, and a chunk again of
        // the one a frame ended in.
        #expect(freshReads <= keptReads + 2 * kept.count, "fresh cursors read \(freshReads) times")
    }

    /// A round's frames come from separate transactions on a server: what is written
    /// after the first frame waits for the next round, and the round still ends exactly
    /// at what was held when it began.
    @Test(arguments: Seeds.list(default: 8))
    func changesWrittenBetweenFramesWaitForTheNextRound(seed: UInt64) throws {
        let source = BatchAssemblerTests.interleavedSource(seed: seed, writes: 120)
        let held = try source.knowledge()
        var assembler = FrameAssembler(peer: Knowledge())
        var sent: [Change] = []
        var peer = Knowledge()
        var time = BatchAssemblerTests.now + 10_000
        var late = 0
        while true {
            let assembly = try assembler.next(from: source, byteBudget: 60)
            sent += assembly.batch.changes
            peer.advance(through: assembly.batch.ranges)
            // Another write between every two frames: to a stream being sent and to a new one.
            time += 1
            source.write(M.cell(UInt64(sent.count), "late"), partition: M.cohort, .integer(1), now: time)
            source.write(M.cell(UInt64(sent.count), "late"), partition: .shared, .integer(2), now: time)
            late += 2
            if !assembly.hasMore { break }
        }
        #expect(peer == held, "seed \(seed): the round ends at what was held when it began")
        #expect(assembler.peer == held)
        #expect(sent.count == 120, "seed \(seed): exactly the changes held at the start, once each")
        #expect(!sent.contains { $0.column == "late" }, "seed \(seed): a late write left in this round")
        // The next round sends exactly the late writes.
        let next = try Self.frames(source, peer: peer, byteBudget: 60).flatMap(\.changes)
        #expect(next.count == late && next.allSatisfy { $0.column == "late" }, "seed \(seed)")
    }

    /// Compaction between frames removes changes below `held`: later frames skip them and
    /// their ranges still carry the peer to the held sequence.
    @Test(arguments: Seeds.list(default: 8))
    func compactionBetweenFramesIsCoveredByTheRanges(seed: UInt64) throws {
        let source = BatchAssemblerTests.interleavedSource(seed: seed, writes: 120)
        let held = try source.knowledge()
        var assembler = FrameAssembler(peer: Knowledge())
        var peer = Knowledge()
        var random = SeededRandom(seed: seed)
        var first = true
        while true {
            let assembly = try assembler.next(from: source, byteBudget: 80)
            for range in assembly.batch.ranges {
                #expect(range.after == peer[range.stream], "seed \(seed): a range that does not continue the last")
            }
            peer.advance(through: assembly.batch.ranges)
            if first {
                // Compact a third of everything not sent yet, tails included.
                for stream in held.streams where held[stream] > peer[stream] {
                    let unsent = (peer[stream] + 1)...held[stream]
                    source.compact(stream, sequences: unsent.filter { _ in random.next() % 3 == 0 })
                }
                first = false
            }
            if !assembly.hasMore { break }
        }
        #expect(peer == held, "seed \(seed): compacted changes still advance the peer to what was held")
    }
}

/// Frames joined into one batch merge as the frames would one after another.
struct JoinedFramesTests {
    @Test(arguments: Seeds.list(default: 8))
    func mergingJoinedFramesEqualsMergingThemInTurn(seed: UInt64) throws {
        let source = BatchAssemblerTests.interleavedSource(seed: seed, writes: 200)
        let frames = try FrameAssemblerTests.frames(source, peer: Knowledge(), byteBudget: 60)
        let inTurn = MemoryReplica(Make.b)
        for frame in frames {
            _ = try BatchMerger.merge(frame, into: inTurn, policy: .init(sender: nil, now: BatchAssemblerTests.now))
        }
        let joined = try #require(ChangeBatch.joined(frames))
        #expect(Set(joined.ranges.map(\.stream)).count == joined.ranges.count, "one range per stream")
        let atOnce = MemoryReplica(Make.b)
        _ = try BatchMerger.merge(joined, into: atOnce, policy: .init(sender: nil, now: BatchAssemblerTests.now))
        #expect(try atOnce.knowledge() == inTurn.knowledge(), "seed \(seed)")
        #expect(atOnce.winners == inTurn.winners, "seed \(seed)")
        #expect(try atOnce.knowledge() == source.knowledge())
    }

    /// Frames that do not continue each other are not joined: each is merged on its own,
    /// so the merge names the frame at fault.
    @Test func framesWithAGapBetweenThemAreNotJoined() throws {
        let stream = StreamID(partition: Make.cohort, origin: Make.b)
        let other = StreamID(partition: Make.cohort, origin: Make.c)
        let first = ChangeBatch(ranges: [StreamRange(stream: stream, after: 0, through: 3)])
        let next = ChangeBatch(
            ranges: [
                StreamRange(stream: other, after: 0, through: 2), StreamRange(stream: stream, after: 3, through: 5),
            ])
        let jumping = ChangeBatch(ranges: [StreamRange(stream: stream, after: 6, through: 9)])
        #expect(
            ChangeBatch.joined([first, next])?.ranges == [
                StreamRange(stream: stream, after: 0, through: 5), StreamRange(stream: other, after: 0, through: 2),
            ])
        #expect(ChangeBatch.joined([first, next, jumping]) == nil)
        #expect(ChangeBatch.joined([first, first]) == nil, "the same frame twice")
        #expect(ChangeBatch.joined([]) == ChangeBatch())
        #expect(ChangeBatch.joined([first]) == first)
    }
}
