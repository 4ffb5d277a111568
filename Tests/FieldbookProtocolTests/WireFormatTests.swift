import FieldbookCore
import Testing

@testable import FieldbookProtocol

struct WireFormatTests {
    @Test func randomMessagesOfEveryKindRoundTripExactly() throws {
        var kinds: Set<MessageKind> = []
        let seeds = Seeds.list(defaultCount: 400, base: 0xF1E1_DB00)
        for seed in seeds {
            var generator = RandomMessages(seed: seed)
            let message = generator.message()
            kinds.insert(message.kind)
            for level: Int32 in [0, 6] {
                let bytes = WireFormat.encode(message, compressionLevel: level)
                let decoded = try WireFormat.decode(bytes)
                #expect(decoded == message, "seed \(seed), level \(level): replay with FIELDBOOK_SEED=\(seed)")
                // Swift compares strings by canonical equivalence; equal bytes on re-encoding
                // prove every string kept its exact UTF-8 as well.
                #expect(
                    WireFormat.encode(decoded, compressionLevel: level) == bytes,
                    "seed \(seed), level \(level): re-encoding differs; replay with FIELDBOOK_SEED=\(seed)")
            }
        }
        if seeds.count >= 50 { #expect(kinds == MessageKind.known) }
    }

    @Test func encodingDoesNotDependOnDictionaryOrder() {
        let replicas = (1...20).map { Fixtures.replica(UInt64($0)) }
        var forward = VersionVector()
        for (index, replica) in replicas.enumerated() { forward[replica] = UInt64(index + 1) }
        var backward = VersionVector()
        for (index, replica) in replicas.enumerated().reversed() { backward[replica] = UInt64(index + 1) }
        let first = KnowledgeFile(replica: Fixtures.laptop, knowledge: Knowledge([Fixtures.cohort(1): forward]))
        let second = KnowledgeFile(replica: Fixtures.laptop, knowledge: Knowledge([Fixtures.cohort(1): backward]))
        #expect(WireFormat.encode(.knowledge(first)) == WireFormat.encode(.knowledge(second)))
    }

    /// A flipped byte never yields a different message and never traps. In an
    /// uncompressed envelope every byte counts, so every flip is refused; in a compressed
    /// one a flip can land in bits zlib ignores (the padding after the last deflate
    /// block), and then the payload, checked by its CRC, is the original one.
    @Test func flippedBytesNeverYieldAnotherMessage() {
        let samples = Self.samples
        for seed in Seeds.list(defaultCount: 300, base: 0xC0FF_EE00) {
            var random = SeededRandom(seed: seed)
            let sample = samples[Int.random(in: 0..<samples.count, using: &random)]
            var bytes = sample.bytes
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
            guard bytes != sample.bytes else { continue }
            do {
                let decoded = try WireFormat.decode(bytes)
                #expect(sample.bytes[6] == Envelope.compressedFlag, "seed \(seed): a flip went unnoticed")
                #expect(decoded == sample.message, "seed \(seed): corrupted bytes decoded to another message")
            } catch {
                // Refused, as it should be.
            }
        }
    }

    @Test func everyTruncationIsRefused() {
        for (index, sample) in Self.samples.enumerated() {
            for length in 0..<sample.bytes.count {
                #expect(throws: FieldbookError.self, "envelope \(index) cut at \(length) decoded") {
                    try WireFormat.decode(sample.bytes.prefix(length))
                }
            }
        }
    }

    @Test func limitsRefuseBeforeDecoding() {
        let bytes = WireFormat.encode(.syncRequest(GoldenMessages.attendanceRequest))
        let cases: [(DecodeLimits, String)] = [
            (DecodeLimits(maxEncodedBytes: bytes.count - 1), "encoded"),
            (DecodeLimits(maxDecodedBytes: 100), "decoded"),
            (DecodeLimits(maxChanges: 39), "changes"),
        ]
        for (limits, name) in cases {
            let error = #expect(throws: FieldbookError.self, "\(name) limit") {
                try WireFormat.decode(bytes, limits: limits)
            }
            #expect(error?.code == .tooLarge, "\(name) limit: \(error?.message ?? "")")
        }
        #expect((try? WireFormat.decode(bytes, limits: DecodeLimits(maxChanges: 40))) != nil)
    }

    @Test func refusalsAreOneLineSayingWhatToDo() {
        for golden in GoldenRejections.cases {
            let error = #expect(throws: FieldbookError.self) { try WireFormat.decode(golden.bytes) }
            let message = error?.message ?? ""
            #expect(!message.contains("\n"), "\(golden.name): \(message)")
            #expect(message.contains(";"), "\(golden.name) does not say what to do: \(message)")
        }
    }

    @Test func nanKeepsItsExactBits() throws {
        let nan = Double(nan: 0x1234, signaling: false)
        let change = Fixtures.change(
            "samples", RowKey(Fixtures.row(1)), "a_real", .real(-nan), at: Fixtures.stamp(1), sequence: 1)
        let message = Message.bundle(
            Bundle(
                schemaVersion: 1, author: Fixtures.laptop, createdAt: 0, knowledge: Knowledge(),
                batch: ChangeBatch(changes: [change])))
        guard case .bundle(let bundle) = try WireFormat.decode(WireFormat.encode(message)),
            case .real(let decoded) = bundle.batch.changes.first?.value
        else {
            Issue.record("not a bundle with a real value")
            return
        }
        #expect(decoded.bitPattern == (-nan).bitPattern)
    }

    /// P3: a batch of 1,000 attendance marks costs at most 12 bytes a change on the wire.
    @Test func attendanceBatchStaysWithinTwelveBytesPerChange() throws {
        let batch = Fixtures.attendanceBatch()
        let request = SyncRequest(
            schemaVersion: 3, replica: Fixtures.laptop, clientTime: Fixtures.saturdayMorning + 70 * 86_400_000,
            knowledge: GoldenMessages.knowledge, batch: batch)
        let compressed = WireFormat.encode(.syncRequest(request))
        let uncompressed = WireFormat.encode(.syncRequest(request), compressionLevel: 0)
        let perChange = Double(compressed.count) / Double(batch.changes.count)
        let withPrevious = batch.changes.filter { $0.previous != nil }.count
        print(
            "P3: \(batch.changes.count) attendance changes (\(withPrevious) with previous) encode to "
                + "\(compressed.count) bytes compressed (\(perChange) bytes/change), "
                + "\(uncompressed.count) uncompressed (\(Double(uncompressed.count) / 1000) bytes/change)")
        #expect(perChange <= 12, "P3 goal missed: \(perChange) bytes per change")
        #expect(try WireFormat.decode(compressed) == .syncRequest(request))
    }

    /// Envelopes of every kind, compressed and not, for the corruption tests.
    static let samples: [(message: Message, bytes: [UInt8])] = GoldenMessages.cases.flatMap { golden in
        [0, 6].map { (golden.message, WireFormat.encode(golden.message, compressionLevel: $0)) }
    }
}
