import FieldbookCore
import FieldbookProtocol
import Testing

/// A framed bundle read as an adversary would hand it over: whole, cut short at every
/// byte, damaged at every byte, frames out of order, counts that lie.
struct BundleReaderTests {
    static let golden = GoldenMessages.bundleFrames(signed: true)
    static var bytes: [UInt8] { golden.flatMap { WireFormat.frame($0, compressionLevel: 6) } }

    /// The parts a reader returns, until it runs out or throws.
    static func read(_ bytes: [UInt8]) -> (parts: [BundleReader.Part], reader: BundleReader, error: FieldbookError?) {
        var reader = BundleReader(bytes)
        var parts: [BundleReader.Part] = []
        do {
            while let part = try reader.next() { parts.append(part) }
        } catch {
            return (parts, reader, error)
        }
        return (parts, reader, nil)
    }

    static var goldenParts: [BundleReader.Part] {
        golden.compactMap {
            switch $0 {
            case .bundleHead(let head): .head(head)
            case .changes(let batch): .changes(batch)
            default: nil
            }
        }
    }

    @Test func aWholeBundleReadsAsItsHeadAndFrames() throws {
        let (parts, reader, error) = Self.read(Self.bytes)
        #expect(error == nil)
        #expect(parts == Self.goldenParts)
        #expect(reader.isWhole && reader.framesRead == 2 && reader.changesRead == 4)
    }

    @Test func aBundleCutAtAnyByteKeepsTheWholeFramesBeforeTheCut() throws {
        let bytes = Self.bytes
        let ends = Self.golden.reduce(into: [0]) {
            $0.append($0.last! + WireFormat.frame($1, compressionLevel: 6).count)
        }
        for cut in 0..<bytes.count {
            let (parts, reader, error) = Self.read(Array(bytes.prefix(cut)))
            #expect(error == nil, "cut at \(cut): \(error?.message ?? "")")
            #expect(!reader.isWhole, "cut at \(cut) reads as whole")
            let wholeFrames = ends.dropFirst().count(where: { $0 <= cut })
            #expect(parts == Array(Self.goldenParts.prefix(wholeFrames)), "cut at \(cut)")
        }
    }

    @Test func aBundleDamagedAtAnyByteIsRefusedAfterTheFramesBeforeTheDamage() throws {
        let bytes = Self.bytes
        let ends = Self.golden.reduce(into: [0]) {
            $0.append($0.last! + WireFormat.frame($1, compressionLevel: 6).count)
        }
        for position in bytes.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var damaged = bytes
                damaged[position] ^= flip
                let (parts, reader, _) = Self.read(damaged)
                let framesBefore = ends.dropFirst().count(where: { $0 <= position })
                // Whatever is read is what was written: a flip is refused, or it fell on bits
                // the inflater ignores (the padding after a deflate stream's last code) and
                // changed nothing. The frames before the damage are always read.
                #expect(
                    Self.goldenParts.starts(with: parts), "a flip at byte \(position) changed what was read")
                #expect(parts.count >= framesBefore, "a flip at byte \(position) lost the frames before it")
                #expect(!reader.isWhole || parts == Self.goldenParts, "a flip at byte \(position)")
            }
        }
    }

    @Test func framesOutOfOrderOrCountsThatLieAreRefused() throws {
        let head = try #require(Self.golden.first)
        let frames = Array(Self.golden.dropFirst().dropLast())
        let end = try #require(Self.golden.last)
        let cases: [(String, [Message])] = [
            ("no head", frames + [end]),
            ("head twice", [head, head] + frames + [end]),
            (
                "a round's head",
                [
                    .roundHead(
                        RoundHead(
                            server: Fixtures.server, serverTime: 0, knowledge: Knowledge(), accepted: MergeSummary()))
                ] + frames + [end]
            ),
            (
                "an end that counts fewer frames",
                [head] + frames + [.roundEnd(RoundEnd(hasMore: false, frames: 1, changes: 4))]
            ),
            (
                "an end that counts fewer changes",
                [head] + frames + [.roundEnd(RoundEnd(hasMore: false, frames: 2, changes: 3))]
            ),
            ("a frame more than the head counts", [head] + frames + frames.prefix(1) + [end]),
            ("a frame after the end", [head] + frames + [end] + frames.prefix(1)),
            ("an error frame", [head, .error(ErrorMessage(code: .storage, message: "x"))]),
        ]
        for (name, messages) in cases {
            let (_, reader, error) = Self.read(messages.flatMap { WireFormat.frame($0) })
            #expect(error?.code == .corrupt, "\(name): \(error?.message ?? "accepted")")
            #expect(!reader.isWhole || name == "a frame after the end", "\(name)")
        }
    }

    @Test func aSingleEnvelopeOfFormatOneIsNotAFrame() throws {
        let (_, _, error) = Self.read(WireFormat.encode(.bundle(GoldenMessages.bundle)))
        #expect(error?.code == .unsupportedVersion)
    }

    @Test func theWriterCountsWhatItWrites() throws {
        var writer = BundleWriter()
        for message in Self.golden {
            if case .changes(let batch) = message { writer.append(batch) }
        }
        guard case .bundleHead(let head) = Self.golden[0] else { Issue.record("no head"); return }
        let bytes = writer.bytes(
            schemaVersion: head.schemaVersion, author: head.author, createdAt: head.createdAt,
            knowledge: head.knowledge, base: head.base, originKeys: head.originKeys)
        #expect(bytes == Self.bytes)
        #expect(head.carriedStreams.count == 2)
    }
}
