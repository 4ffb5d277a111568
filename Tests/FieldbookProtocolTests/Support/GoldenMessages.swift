import FieldbookCore
import Testing

@testable import FieldbookProtocol

/// The messages behind the golden vectors in `Protocol/vectors/`: each vector file is
/// generated from, and checked against, one case here.
enum GoldenMessages {
    /// One positive vector: a message and the zlib level it is encoded with.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var summary: String
        var message: Message
        var compressionLevel: Int32

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "sync-request-empty", summary: "a first sync round: no knowledge, empty batch; uncompressed",
            message: .syncRequest(emptyRequest), compressionLevel: 0),
        Case(
            name: "sync-request-basic",
            summary: "a request with knowledge of two partitions and three single-key changes; uncompressed",
            message: .syncRequest(basicRequest), compressionLevel: 0),
        Case(
            name: "sync-request-attendance",
            summary: "40 attendance marks keyed by (event, participant) pairs, half with previous stamps; zlib level 6",
            message: .syncRequest(attendanceRequest), compressionLevel: 6),
        Case(
            name: "sync-response-quarantine",
            summary: "a response with a merge summary, two quarantined streams, a batch and hasMore; uncompressed",
            message: .syncResponse(quarantineResponse), compressionLevel: 0),
        Case(
            name: "error-sequence-gap", summary: "a sequence-gap error with the range to resume from; uncompressed",
            message: .error(sequenceGapError), compressionLevel: 0),
        Case(
            name: "error-unsupported-version",
            summary: "an unsupported-version error listing the formats and schemas the server reads; uncompressed",
            message: .error(unsupportedVersionError), compressionLevel: 0),
        Case(
            name: "bundle-basic", summary: "a bundle file with knowledge and a two-stream batch; zlib level 9",
            message: .bundle(bundle), compressionLevel: 9),
        Case(
            name: "knowledge-file", summary: "a knowledge file: one replica's vectors for two partitions; uncompressed",
            message: .knowledge(knowledgeFile), compressionLevel: 0),
        Case(
            name: "values-every-tag",
            summary: "one change per value tag and edge value, HLC counters, both previous references; uncompressed",
            message: .syncRequest(everyValueRequest), compressionLevel: 0),
    ]

    typealias F = Fixtures

    static let knowledge = Knowledge([
        F.cohort(1): VersionVector([F.laptop: 12, F.office: 3]),
        PartitionID.shared: VersionVector([F.office: 40]),
    ])

    static let emptyRequest = SyncRequest(
        schemaVersion: 3, replica: F.laptop, clientTime: F.saturdayMorning, knowledge: Knowledge(),
        batch: ChangeBatch())

    static var basicRequest: SyncRequest {
        let participant = RowKey(F.row(7))
        let t = F.saturdayMorning
        let changes = [
            F.change("participants", participant, "name", .text("Li Wei"), at: F.stamp(t), sequence: 13),
            F.change("participants", participant, "school", .text("Yantai No. 2"), at: F.stamp(t, 1), sequence: 14),
            F.change(
                "participants", participant, "deleted", .integer(0), at: F.stamp(t + 4_000), sequence: 15,
                previous: F.stamp(t - 86_400_000, by: F.office)),
        ]
        return SyncRequest(
            schemaVersion: 3, replica: F.laptop, clientTime: t + 5_000, knowledge: knowledge,
            batch: ChangeBatch(changes: changes, ranges: [F.range(covering: changes, after: 12)]),
            maxResponseBytes: 65_536)
    }

    static var attendanceRequest: SyncRequest {
        let full = F.attendanceBatch(seed: 7)
        let changes = Array(full.changes.filter { $0.key.first == F.row(100) || $0.key.first == F.row(101) }.prefix(40))
        let renumbered = changes.enumerated().map { index, change in
            var change = change
            change.sequence = UInt64(index + 1)
            return change
        }
        return SyncRequest(
            schemaVersion: 3, replica: F.laptop, clientTime: renumbered.last!.stamp.time.milliseconds + 1_000,
            knowledge: knowledge, batch: ChangeBatch(changes: renumbered, ranges: [F.range(covering: renumbered)]))
    }

    static var quarantineResponse: SyncResponse {
        let t = F.saturdayMorning
        let note = RowKey(F.row(300))
        let changes = [
            F.change(
                "notes", note, "body", .text("Bring printed handbooks next week."), at: F.stamp(t, by: F.office),
                sequence: 4),
            F.change("notes", note, "author", .text("office"), at: F.stamp(t, 1, by: F.office), sequence: 5),
            F.change(
                "venues", RowKey(F.row(9)), "name", .text("Wuhan Host School"), at: F.stamp(t + 60_000, by: F.office),
                sequence: 41, partition: .shared),
        ]
        return SyncResponse(
            server: F.server, serverTime: t + 120_000, knowledge: knowledge,
            accepted: MergeSummary(applied: 10, superseded: 1, duplicates: 2, conflicts: 1, quarantined: 5, unknown: 1),
            quarantined: [
                StreamStart(stream: StreamID(partition: F.cohort(1), origin: F.laptop), sequence: 13),
                StreamStart(stream: StreamID(partition: F.cohort(2), origin: F.laptop), sequence: 1),
            ],
            batch: ChangeBatch(
                changes: changes,
                ranges: [
                    StreamRange(stream: changes[0].stream, after: 3, through: 5),
                    StreamRange(stream: changes[2].stream, after: 40, through: 41),
                ]),
            hasMore: true, writablePartitions: [F.cohort(1), F.cohort(2)])
    }

    static let sequenceGapError = ErrorMessage(
        code: .sequenceGap,
        message: "sequence gap: stream a1a1a1a1 in cohort resumes after #12, batch starts after #20",
        resume: StreamRange(stream: StreamID(partition: F.cohort(1), origin: F.laptop), after: 12, through: 30),
        serverTime: F.saturdayMorning)

    static let unsupportedVersionError = ErrorMessage(
        code: .unsupportedVersion,
        message: "schema version 9 is newer than this server reads (1 to 3); upgrade the server",
        serverTime: F.saturdayMorning, supportedFormats: [1], supportedSchemas: 1...3)

    static var bundle: Bundle {
        let request = basicRequest
        var changes = request.batch.changes
        let venue = F.change(
            "venues", RowKey(F.row(9)), "name", .text("Chengdu Host School"), at: F.stamp(F.saturdayMorning + 9_000),
            sequence: 1, partition: .shared)
        changes.append(venue)
        return Bundle(
            schemaVersion: 3, author: F.laptop, createdAt: F.saturdayMorning + 10_000, knowledge: knowledge,
            batch: ChangeBatch(changes: changes, ranges: request.batch.ranges + [F.range(covering: [venue])]))
    }

    static let knowledgeFile = KnowledgeFile(replica: F.office, knowledge: knowledge)

    /// The laptop's signing key: fixed, so the vectors' keys and signatures are too
    /// (Ed25519 signatures are deterministic).
    static let laptopKey = try! OriginSigningKey(rawRepresentation: Array(repeating: 7, count: 32))

    /// The laptop's certificate of its cohort stream through #15, continuing a chain whose
    /// head at #12 is taken as the genesis of base 12 (history before the laptop signed).
    static var cohortCertificate: StreamCertificate {
        let changes = basicRequest.batch.changes
        let stream = changes[0].stream
        var head = StreamChain.genesis(of: stream, base: 12)
        for change in changes { head = StreamChain.link(head, change.digest) }
        return StreamCertificate(stream: stream, base: 12, through: 15, head: head, signedWith: laptopKey)
    }

    /// The first change frame of a signed round or bundle proves #13–14 with the
    /// certificate through #15 and the digest of #15 (in the next frame); the second needs
    /// no digest.
    static var signedFrames: [ChangeBatch] {
        let changes = basicRequest.batch.changes
        let stream = changes[0].stream
        let certificate = cohortCertificate
        return [
            ChangeBatch(
                changes: Array(changes.prefix(2)), ranges: [StreamRange(stream: stream, after: 12, through: 14)],
                proofs: [
                    StreamProof(
                        certificate: certificate, digests: [SequenceDigest(sequence: 15, digest: changes[2].digest)])
                ]),
            ChangeBatch(
                changes: Array(changes.suffix(1)), ranges: [StreamRange(stream: stream, after: 14, through: 15)],
                proofs: [StreamProof(certificate: certificate)]),
        ]
    }

    /// A framed bundle: the head, two change frames, the end. The first frame carries the
    /// laptop's cohort changes #13–14, the second #15 and a venue in the shared partition;
    /// each frame's ranges vouch for its own changes. Written as format 2 (no proofs, no
    /// keys) and as format 3 (both).
    static func bundleFrames(signed: Bool) -> [Message] {
        let request = basicRequest
        let changes = request.batch.changes
        let cohortStream = changes[0].stream
        let venue = bundle.batch.changes.last!
        var held = knowledge
        held[cohortStream] = 15
        held[venue.stream] = 1
        return [
            .bundleHead(
                BundleHead(
                    schemaVersion: 3, author: F.laptop, createdAt: F.saturdayMorning + 10_000, knowledge: held,
                    base: knowledge, frames: 2, changes: 4,
                    originKeys: signed ? [F.laptop: laptopKey.publicKey] : [:])),
            .changes(
                ChangeBatch(
                    changes: Array(changes.prefix(2)),
                    ranges: [StreamRange(stream: cohortStream, after: 12, through: 14)],
                    proofs: signed ? signedFrames[0].proofs : [])),
            .changes(
                ChangeBatch(
                    changes: [changes[2], venue],
                    ranges: [
                        StreamRange(stream: cohortStream, after: 14, through: 15), F.range(covering: [venue]),
                    ],
                    proofs: signed ? signedFrames[1].proofs : [])),
            .roundEnd(RoundEnd(hasMore: false, frames: 2, changes: 4)),
        ]
    }

    /// A stream of frames (a sync round's request or answer, a bundle file): a file holds
    /// one whole stream.
    struct Stream: Sendable, CustomTestStringConvertible {
        var name: String
        var summary: String
        var frames: [Message]
        var compressionLevel: Int32
        /// The frames' format version: the current one, or an older one still read.
        var version = WireFormat.framedVersion

        var testDescription: String { name }

        /// The frames, one envelope each, back to back.
        var bytes: [UInt8] {
            frames.flatMap { WireFormat.frame($0, compressionLevel: compressionLevel, version: version) }
        }
    }

    static let streams: [Stream] = [
        Stream(
            name: "round-request",
            summary:
                "a framed request: the opening frame with the laptop's key, then two signed change frames merged one by one; uncompressed",
            frames: [
                .roundOpen(
                    RoundOpen(
                        schemaVersion: 3, replica: F.laptop, clientTime: F.saturdayMorning + 5_000,
                        knowledge: knowledge,
                        frameBytes: 16_384, roundBytes: 4_194_304, publicKey: laptopKey.publicKey)),
                .changes(signedFrames[0]),
                .changes(signedFrames[1]),
            ],
            compressionLevel: 0),
        Stream(
            name: "round-answer",
            summary: "a framed answer: the head, a change frame, and the end that counts them; zlib level 6",
            frames: [
                .roundHead(
                    RoundHead(
                        server: F.server, serverTime: F.saturdayMorning + 120_000, knowledge: knowledge,
                        accepted: MergeSummary(applied: 3, duplicates: 1, quarantined: 2),
                        quarantined: [
                            StreamStart(stream: StreamID(partition: F.cohort(1), origin: F.laptop), sequence: 13)
                        ],
                        writablePartitions: [F.cohort(1)], originKeys: [F.laptop: laptopKey.publicKey])),
                .changes(quarantineResponse.batch),
                .roundEnd(RoundEnd(hasMore: true, frames: 1, changes: 3)),
            ],
            compressionLevel: 6),
        Stream(
            name: "round-answer-failed",
            summary: "an answer whose server failed after the head: an error frame ends it; uncompressed",
            frames: [
                .roundHead(
                    RoundHead(
                        server: F.server, serverTime: F.saturdayMorning, knowledge: Knowledge(),
                        accepted: MergeSummary())),
                .error(ErrorMessage(code: .storage, message: "the server's database cannot be read; retry later")),
            ],
            compressionLevel: 0),
        Stream(
            name: "bundle-frames",
            summary:
                "a bundle file as frames: the head that counts them and the author's key, two signed change frames merged one by one, the end; zlib level 6",
            frames: bundleFrames(signed: true), compressionLevel: 6),
        Stream(
            name: "bundle-frames-v2",
            summary:
                "the same bundle as format 2 frames, from a build before signing: still read, without proofs or keys; zlib level 6",
            frames: bundleFrames(signed: false), compressionLevel: 6, version: 2),
    ]
}
