import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookStore
import FieldbookTestSupport
import Testing

/// Bundles as frames, handed over the way USB sticks and chat apps hand them over: whole,
/// cut short, damaged, twice, and a longer one after a short one. Whatever arrives whole is
/// kept; nothing is merged twice; the next import finishes the job.
struct BundleImportTests {
    /// An office with a roster, its bundle in small frames, and the total of changes.
    static func term(participants: Int = 60) throws -> (office: Fieldbook, bundle: [UInt8], changes: Int, frames: Int) {
        let office = try NPQFixture.replica(1)
        _ = try NPQFixture.roster(on: office, cohorts: 2, participants: participants, events: 2)
        let (bytes, changes, frames) = try office.exportBundle(frameBytes: 1024)
        return (office, bytes, changes, frames)
    }

    /// The byte offsets where each frame ends.
    static func frameEnds(_ bytes: [UInt8]) -> [Int] {
        var ends: [Int] = []
        var at = 0
        while at + 19 <= bytes.count {
            at += 19 + (11..<15).reduce(0) { $0 << 8 | Int(bytes[at + $1]) }
            ends.append(at)
        }
        return ends
    }

    /// A bundle whose writer left out a frame in the middle (re-counted so its head and end
    /// agree): frames read together share a transaction, yet the frames before the hole
    /// are kept and the line names the frame that continues from changes never received.
    @Test func aFrameMissingInTheMiddleIsNamedAndTheFramesBeforeItAreKept() throws {
        let office = try NPQFixture.replica(1)
        _ = try NPQFixture.roster(on: office, cohorts: 1, participants: 40, events: 1)
        let laptop = try NPQFixture.replica(2)
        let base = try laptop.store.knowledge()
        var frames: [ChangeBatch] = []
        let knowledge = try office.store.framedChanges(for: base, frameBytes: 256) { frames.append($0) }
        // Leave out the first frame after 3 that continues a stream an earlier frame carried.
        let missing = try #require(
            frames.indices.dropFirst(3).first { index in
                let streams = Set(frames[index].ranges.map(\.stream))
                return frames[(index + 1)...].contains { !streams.isDisjoint(with: $0.ranges.map(\.stream)) }
            })
        var writer = BundleWriter()
        for (index, frame) in try office.store.proving(frames).enumerated() where index != missing {
            writer.append(frame)
        }
        let bundle = writer.bytes(
            schemaVersion: UInt32(office.store.schema.version), author: office.store.replicaID, createdAt: 0,
            knowledge: knowledge, base: base,
            originKeys: [office.store.replicaID: try office.store.signingKey().publicKey])
        // What the laptop can merge: every frame before the first that continues a stream
        // from the missing frame's changes (the hole), which is frame `hole` of the bundle
        // (original index `hole`, one frame fewer before it, counted from 1).
        var kept = base
        var hole: Int?
        for (index, frame) in frames.enumerated() where index != missing {
            if frame.ranges.contains(where: { $0.after > kept[$0.stream] }) {
                hole = index
                break
            }
            kept.advance(through: frame.ranges)
        }
        let number = try #require(hole)

        let error = #expect(throws: FieldbookError.self) { try laptop.importBundle(bundle) }
        #expect(error?.code == .sequenceGap)
        #expect(
            error?.message.hasPrefix("frame \(number) of the bundle continues from changes this replica does not hold")
                == true, "\(error?.message ?? "")")
        #expect(try laptop.store.knowledge() == kept, "every frame before the hole is kept, nothing after it")
    }

    @Test func aWholeBundleImportsFrameByFrameAndAgainAsANoOp() throws {
        let (office, bundle, changes, frames) = try Self.term()
        #expect(frames > 5, "the roster should need several 1 KB frames")
        let laptop = try NPQFixture.replica(2)
        let first = try laptop.importBundle(bundle)
        #expect(first.frames == frames && first.received == changes && first.duplicates == 0)
        #expect(try laptop.store.knowledge() == (try office.store.knowledge()))
        let again = try laptop.importBundle(bundle)
        #expect(again.frames == frames && again.received == 0 && again.duplicates == changes)
    }

    /// Cut at frame boundaries and in the middle of frames: the frames before the cut are
    /// kept, the line says how far it got, and importing the whole file afterwards merges
    /// exactly the rest.
    @Test func aBundleCutShortKeepsItsWholeFramesAndTheNextImportFinishes() throws {
        let (office, bundle, changes, frames) = try Self.term()
        let ends = Self.frameEnds(bundle)
        #expect(ends.count == frames + 2 && ends.last == bundle.count)
        let cuts = [ends[0] - 1, ends[0], ends[3], ends[3] + 7, ends[frames / 2] + 30, ends[frames] - 1, ends[frames]]
        for cut in cuts {
            let laptop = try NPQFixture.replica(2)
            let error = #expect(throws: FieldbookError.self) { try laptop.importBundle(Array(bundle.prefix(cut))) }
            #expect(error?.code == .corrupt)
            let wholeFrames = max(0, ends.dropLast().count(where: { $0 <= cut }) - 1)
            let kept = try laptop.store.knowledge().total - NPQFixture.replica(3).store.knowledge().total
            let message = error?.message ?? ""
            if cut >= ends[0] && wholeFrames == 0 {
                #expect(
                    message.hasPrefix("the bundle is cut short after its head, before its first frame; nothing merged"))
            } else if cut < ends[0] {
                #expect(
                    message == "the bundle is cut short inside its head frame; nothing merged; ask for the bundle again"
                )
            } else if wholeFrames == frames {
                #expect(
                    message.hasPrefix("the bundle is cut short after its last frame (\(frames) of \(frames))"),
                    "\(message)")
            } else {
                #expect(
                    message.hasPrefix("the bundle is cut short after frame \(wholeFrames) of \(frames): "),
                    "cut at \(cut): \(message)")
                #expect(message.contains(" of its \(changes) changes merged; import a whole copy"), "\(message)")
            }
            let finished = try laptop.importBundle(bundle)
            #expect(UInt64(finished.duplicates) == kept, "cut at \(cut): the frames kept came again as new")
            #expect(finished.received + finished.duplicates == changes, "cut at \(cut)")
            #expect(try laptop.store.knowledge() == (try office.store.knowledge()), "cut at \(cut)")
        }
    }

    @Test func aBundleDamagedInAFrameKeepsTheFramesBeforeIt() throws {
        let (office, bundle, changes, frames) = try Self.term()
        let ends = Self.frameEnds(bundle)
        // A byte in the middle of change frame 5 (ends[0] is where the head ends, ends[k] where frame k does).
        var damaged = bundle
        damaged[(ends[4] + ends[5]) / 2] ^= 0x20
        let laptop = try NPQFixture.replica(2)
        let error = #expect(throws: FieldbookError.self) { try laptop.importBundle(damaged) }
        #expect(error?.code == .corrupt)
        #expect(
            error?.message.hasPrefix("the bundle is damaged in frame 5 of \(frames) (") == true,
            "\(error?.message ?? "")")
        #expect(error?.message.contains("; the 4 frames before it were merged (") == true, "\(error?.message ?? "")")
        let finished = try laptop.importBundle(bundle)
        #expect(finished.duplicates > 0 && finished.received + finished.duplicates == changes)
        #expect(try laptop.store.knowledge() == (try office.store.knowledge()))
    }

    /// A laptop took part of an early bundle; the office wrote more and sent a longer one.
    @Test func aLongerBundleAfterAShortOneMergesOnlyWhatIsNew() throws {
        let (office, early, _, _) = try Self.term()
        let laptop = try NPQFixture.replica(2)
        let ends = Self.frameEnds(early)
        #expect(throws: FieldbookError.self) { try laptop.importBundle(Array(early.prefix(ends[6] + 3))) }
        let kept = try laptop.store.knowledge().total
        let autumn = try office.addCohort(programme: "NPQLT", name: "Autumn 2024", starts: "2024-09-07")
        for index in 0..<30 {
            _ = try office.addParticipant(cohort: autumn.id.description, .init(name: "Autumn teacher \(index)"))
        }
        let (longer, changes, _) = try office.exportBundle(frameBytes: 1024)
        let finished = try laptop.importBundle(longer)
        #expect(UInt64(finished.duplicates) == kept - (try NPQFixture.replica(3).store.knowledge().total))
        #expect(finished.received + finished.duplicates == changes)
        #expect(try laptop.store.knowledge() == (try office.store.knowledge()))
    }

    /// A bundle made for a vector file of a replica that holds more than this one is
    /// refused before anything merges.
    @Test func aBundleMadeForAReplicaThatHoldsMoreIsRefusedWhole() throws {
        let office = try NPQFixture.replica(1)
        let roster = try NPQFixture.roster(on: office, cohorts: 1, participants: 5, events: 1)
        let ahead = try NPQFixture.replica(2)
        _ = try ahead.importBundle(try office.exportBundle().bytes)
        // More in a stream `ahead` holds part of: a bundle made for `ahead` starts above 0 in it.
        _ = try office.addParticipant(cohort: roster.cohorts[0].id.description, .init(name: "Late joiner"))
        let forAhead = try office.exportBundle(for: Fieldbook.readKnowledgeFile(try ahead.knowledgeFile())).bytes
        let behind = try NPQFixture.replica(3)
        let before = try behind.store.knowledge()
        let error = #expect(throws: FieldbookError.self) { try behind.importBundle(forAhead) }
        #expect(error?.code == .sequenceGap)
        #expect(error?.message.contains("nothing merged") == true, "\(error?.message ?? "")")
        #expect(try behind.store.knowledge() == before)
    }

    /// Bundles written by earlier builds: one envelope of format version 1, merged all or nothing.
    @Test func aSingleEnvelopeBundleOfFormatOneStillImports() throws {
        let (office, _, changes, _) = try Self.term()
        let everything = try office.store.changes(for: Knowledge(), byteBudget: .max).batch
        let old = WireFormat.encode(
            .bundle(
                Bundle(
                    schemaVersion: UInt32(office.store.schema.version), author: office.store.replicaID, createdAt: 0,
                    knowledge: try office.store.knowledge(), batch: everything)))
        let laptop = try NPQFixture.replica(2)
        let result = try laptop.importBundle(old)
        #expect(result.frames == 1 && result.received + result.duplicates == everything.changes.count)
        #expect(everything.changes.count >= changes)
        #expect(try laptop.store.knowledge() == (try office.store.knowledge()))
    }

    @Test(arguments: [[UInt8](), Array("name,trn\n".utf8)])
    func aFileThatIsNoBundleIsRefusedInOneLine(bytes: [UInt8]) throws {
        let laptop = try NPQFixture.replica(2)
        let error = #expect(throws: FieldbookError.self) { try laptop.importBundle(bytes) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("nothing merged") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("\n") == false)
    }
}
