import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The routes of `buildApplication(...)`: health, metrics, and `POST /v1/sync` with
/// every kind of refusal, in-process (router) and over a real loopback socket (live).
struct BuildApplicationTests {
    @Test(arguments: Setup.allCases)
    func healthSaysOKAndNamesTheServerReplica(setup: Setup) async throws {
        let backend = try ServerBackend()
        try await application(backend).testOffThePool(setup.testing) { client in
            let (status, contentType, text) = try await client.getText(SyncHTTP.healthPath)
            #expect(status == 200)
            #expect(contentType == "application/json")
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
            #expect(json == ["status": "ok", "replica": backend.store.replicaID.description])
        }
    }

    @Test
    func metricsExposeEveryFieldbookFamilyAndCountRounds() async throws {
        let scenario = try await Scenario.make()
        let service = scenario.backend.service
        let writer = try await scenario.writer()
        let writerToken = try await scenario.officeToken(for: writer.store.replicaID)
        _ = try writer.addNote("Projector failed.", event: scenario.eventA.id.description)
        let push = try await scenario.pushRequest(from: writer).framed
        let pushed = try await scenario.pushRequest(from: writer).batch.changes.count
        let before = prometheusSamples(service.metrics.render())

        try await application(scenario.backend).test(.router) { client in
            #expect(try await client.postSync(push, token: writerToken).status == 200)
            #expect(try await client.postSync(push, token: "fbk_nonsense").status == 401)
            let (status, contentType, text) = try await client.getText(SyncHTTP.metricsPath)
            #expect(status == 200)
            #expect(contentType?.hasPrefix("text/plain") == true)
            for family in [
                "fieldbook_sync_rounds_total", "fieldbook_changes_received_total", "fieldbook_changes_merged_total",
                "fieldbook_changes_sent_total", "fieldbook_bytes_in_total", "fieldbook_bytes_out_total",
                "fieldbook_conflicts_total", "fieldbook_quarantined_total", "fieldbook_sync_round_seconds",
                "fieldbook_errors_total",
            ] {
                #expect(text.contains("# TYPE \(family) "), "no \(family) family in:\n\(text)")
            }
            let after = prometheusSamples(text)
            func delta(_ series: String) -> Double { (after[series] ?? 0) - (before[series] ?? 0) }
            #expect(delta("fieldbook_sync_rounds_total") == 1)
            #expect(delta("fieldbook_changes_received_total") == Double(pushed))
            #expect(delta("fieldbook_changes_merged_total") == Double(pushed))
            #expect(delta("fieldbook_bytes_in_total") == Double(push.count))
            #expect(delta(#"fieldbook_errors_total{kind="bad-token"}"#) == 1)
            #expect(delta("fieldbook_sync_round_seconds_count") == 1)
        }
    }

    @Test(arguments: Setup.allCases)
    func syncWithAGoodTokenMergesAndAnswers(setup: Setup) async throws {
        let scenario = try await Scenario.make()
        let writer = try await scenario.writer()
        let writerToken = try await scenario.officeToken(for: writer.store.replicaID)
        let note = try writer.addNote("Good discussion.", event: scenario.eventA.id.description)
        _ = try writer.addVenue(city: "Wuhan", school: "Wuhan No. 2 High School")
        let request = try await scenario.pushRequest(from: writer)
        let before = try await scenario.backend.knowledge()

        try await application(scenario.backend).testOffThePool(setup.testing) { client in
            let answer = try await client.postSync(
                request.framed, token: writerToken)
            #expect(answer.status == 200)
            #expect(answer.contentType == WireFormat.contentType)
            let response = try #require(answer.response)
            #expect(response.server == scenario.backend.store.replicaID)
            #expect(response.accepted.applied == UInt32(request.batch.changes.count))
            #expect(response.accepted.duplicates == 0)
            #expect(response.writablePartitions == nil, "an office token writes every partition")
            #expect(response.knowledge == (try await scenario.backend.knowledge()))
            #expect(response.knowledge.total == before.total + UInt64(request.batch.changes.count))
            #expect(!response.hasMore)

            // The same round again is a no-op: every change is a duplicate.
            let again = try #require(
                try await client.postSync(request.framed, token: writerToken)
                    .response)
            #expect(again.accepted.duplicates == UInt32(request.batch.changes.count))
            #expect(again.accepted.applied == 0)
        }
        #expect(try scenario.backend.fieldbook.notes().map(\.id).contains(note.id))
        #expect(try scenario.backend.fieldbook.venues().contains { $0.school == "Wuhan No. 2 High School" })
    }

    /// A request the server must refuse, and how.
    enum Refusal: String, CaseIterable, Sendable, CustomStringConvertible {
        case missingToken, notBearer, malformedToken, unknownToken, wrongSecret, revokedToken
        case notAMessage, emptyBody, truncated, bitFlipInPayload, bundlePosted, unknownKindByte
        case unsupportedVersion, oldClient, oversized, sequenceGap

        var description: String { rawValue }

        var expected: (status: Int, code: FieldbookError.Code) {
            switch self {
            case .missingToken, .notBearer, .malformedToken, .unknownToken, .wrongSecret, .revokedToken:
                (401, .badToken)
            case .notAMessage, .emptyBody, .truncated, .bitFlipInPayload: (400, .corrupt)
            case .bundlePosted: (400, .invalidInput)
            case .unknownKindByte: (400, .unknownKind)
            case .unsupportedVersion, .oldClient: (426, .unsupportedVersion)
            case .oversized: (413, .tooLarge)
            case .sequenceGap: (409, .sequenceGap)
            }
        }
    }

    static let refusalLimits = SyncService.Limits(maxRequestBytes: 32 << 10)

    @Test(arguments: Refusal.allCases, Setup.allCases)
    func refusalsAreTypedAndMergeNothing(refusal: Refusal, setup: Setup) async throws {
        let scenario = try await Scenario.make(limits: Self.refusalLimits)
        let writer = try await scenario.writer()
        let writerToken = try await scenario.officeToken(for: writer.store.replicaID)
        let note = try writer.addNote("Must not arrive.", event: scenario.eventA.id.description)
        let request = try await scenario.pushRequest(from: writer)
        let valid = request.framed
        let office = writerToken
        let officeID = try #require(DeviceToken(office)).id

        var authorization: String? = "Bearer \(office)"
        var body = valid
        var resume: StreamRange?
        switch refusal {
        case .missingToken: authorization = nil
        case .notBearer: authorization = "Basic \(Data(office.utf8).base64EncodedString())"
        case .malformedToken: authorization = "Bearer fbk_\(officeID)_tooshort"
        case .unknownToken: authorization = "Bearer \(DeviceToken.generate().text)"
        case .wrongSecret: authorization = "Bearer fbk_\(officeID)_\(String(repeating: "0f", count: 32))"
        case .revokedToken:
            authorization = "Bearer \(try await scenario.backend.issueToken("lost-laptop", scope: .all))"
            try await scenario.backend.revoke("lost-laptop")
        case .notAMessage: body = Array("<html><body>502 Bad Gateway</body></html>".utf8)
        case .emptyBody: body = []
        case .truncated: body = Array(valid.prefix(valid.count / 2))
        case .bitFlipInPayload: body[valid.count - 3] ^= 0x10
        case .bundlePosted:
            body = WireFormat.encode(
                .bundle(
                    FieldbookProtocol.Bundle(
                        schemaVersion: request.schemaVersion, author: request.replica, createdAt: request.clientTime,
                        knowledge: request.knowledge, batch: request.batch)))
        case .unknownKindByte: body[5] = 0x2A
        case .unsupportedVersion: body[4] = 2
        case .oldClient: body = WireFormat.encode(.syncRequest(request.request))
        case .oversized:
            var random = SeededRandom(seed: 7)
            body = (0...Self.refusalLimits.maxRequestBytes).map { _ in UInt8.random(in: 0...255, using: &random) }
        case .sequenceGap:
            // Claim the server already holds the first two changes of the writer's stream.
            let stream = try #require(request.batch.ranges.first { $0.stream.origin == writer.store.replicaID }).stream
            var claimed = try await scenario.backend.knowledge()
            claimed[stream] = 2
            let gapped = try writer.store.changes(for: claimed, byteBudget: .max).batch
            body =
                TestRequest(
                    request: SyncRequest(
                        schemaVersion: request.schemaVersion, replica: request.replica, clientTime: request.clientTime,
                        knowledge: request.knowledge, batch: gapped),
                    signer: writer.store
                ).framed
            let through = try #require(gapped.ranges.first { $0.stream == stream }).through
            resume = StreamRange(stream: stream, after: 0, through: through)
        }
        let before = try await scenario.backend.knowledge()

        try await application(scenario.backend).testOffThePool(setup.testing) { [body, authorization, resume] client in
            let answer = try await client.postSync(body, authorization: authorization)
            #expect(answer.status == refusal.expected.status)
            #expect(answer.contentType == WireFormat.contentType)
            let error = try #require(answer.error, "the body is not an ErrorMessage: \(answer.body.prefix(64))")
            #expect(error.code == refusal.expected.code, "\(error.message)")
            #expect(!error.message.isEmpty && !error.message.contains("\n"))
            if refusal == .sequenceGap { #expect(error.resume == resume) }
            if refusal == .unsupportedVersion || refusal == .oldClient {
                #expect(error.supportedFormats == [WireFormat.framedVersion], "a 426 must list the formats read")
            }
            if refusal == .oldClient { #expect(error.message.contains("upgrade fieldbook"), "\(error.message)") }
        }
        #expect(try await scenario.backend.knowledge() == before, "a refused round merged something")
        #expect(try !scenario.backend.fieldbook.notes().contains { $0.id == note.id })
    }

    /// Random damage to valid bodies (truncations, bit flips, byte edits, splices, noise)
    /// never crashes the server or merges anything, and a valid round works afterwards.
    @Test(arguments: Seeds.list(defaultCount: 2, base: 0x5EED_0001))
    func garbageNeverCrashesTheServerNorMergesAnything(seed: UInt64) async throws {
        let scenario = try await Scenario.make(limits: Self.refusalLimits)
        let writer = try await scenario.writer()
        let writerToken = try await scenario.officeToken(for: writer.store.replicaID)
        for index in 0..<5 {
            _ = try writer.addNote("Note \(index) of the fuzzing writer.", event: scenario.eventA.id.description)
        }
        let request = try await scenario.pushRequest(from: writer)
        let valid = request.framed
        let uncompressed = request.framed(compressionLevel: 0)
        let before = try await scenario.backend.knowledge()
        let iterations = Seeds.knob("FIELDBOOK_FUZZ_ITERATIONS", default: 150)
        var random = SeededRandom(seed: seed)

        var bodies: [[UInt8]] = []
        for _ in 0..<iterations {
            var body = Bool.random(using: &random) ? valid : uncompressed
            switch Int.random(in: 0..<7, using: &random) {
            case 0: body = Array(body.prefix(Int.random(in: 0..<body.count, using: &random)))
            case 1:
                for _ in 0...Int.random(in: 0..<3, using: &random) {
                    let bit = UInt8(1) << UInt8.random(in: 0..<8, using: &random)
                    body[Int.random(in: 0..<body.count, using: &random)] ^= bit
                }
            case 2: body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 3:
                let count = Int.random(in: 1..<16, using: &random)
                let noise = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                body.insert(contentsOf: noise, at: Int.random(in: 0...body.count, using: &random))
            case 4:
                let count = Int.random(in: 0..<300, using: &random)
                body = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 5:
                // A valid header in front of noise.
                body = Array(body.prefix(19)) + (19..<body.count).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                body[Int.random(in: 4..<19, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            bodies.append(body)
        }

        try await application(scenario.backend).test(.router) { [bodies] client in
            var accepted = 0
            for (iteration, body) in bodies.enumerated() {
                let answer = try await client.postSync(body, token: writerToken)
                if answer.status == 200 {
                    accepted += 1
                    continue
                }
                let error = try #require(
                    answer.error, "seed \(seed) iteration \(iteration): status \(answer.status) without an ErrorMessage"
                )
                #expect(
                    [400, 413, 426].contains(answer.status) && error.code.httpStatus == answer.status,
                    "seed \(seed) iteration \(iteration): \(answer.status) \(error.code) \(error.message)")
            }
            // A damaged body may keep the frames that arrived whole before the damage (the
            // push is one frame here): the server holds all of it or none of it, never a part.
            let held = try await scenario.backend.knowledge()
            for range in request.batch.ranges {
                #expect(
                    held[range.stream] == before[range.stream] || held[range.stream] == range.through,
                    "seed \(seed): a damaged body merged part of a frame")
            }
            _ = accepted
            let metrics = prometheusSamples(scenario.backend.service.metrics.render())
            #expect(metrics[#"fieldbook_errors_total{kind="internal(99)"}"#] ?? 0 == 0, "seed \(seed)")

            let answer = try await client.postSync(valid, token: writerToken)
            let response = try #require(answer.response, "seed \(seed): the valid round after the garbage failed")
            #expect(response.accepted.applied + response.accepted.duplicates == UInt32(request.batch.changes.count))
        }
        var expected = before
        for range in request.batch.ranges { expected[range.stream] = range.through }
        #expect(try await scenario.backend.knowledge() == expected, "seed \(seed)")
    }
}
