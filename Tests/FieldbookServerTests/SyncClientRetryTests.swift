import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Synchronization
import Testing

/// How `SyncClient` behaves when the server is away or answers with errors.
struct SyncClientRetryTests {
    /// Records the backoff delays the client asks for, without waiting.
    final class Sleeps: Sendable {
        private let delays = Mutex<[Duration]>([])
        var count: Int { delays.withLock { $0.count } }
        var sleep: @Sendable (Duration) async throws -> Void {
            { [self] delay in self.delays.withLock { $0.append(delay) } }
        }
    }

    @Test
    func serverDownThrowsUnavailableSayingHowManyChangesWait() async throws {
        let replicas = try Replicas()
        let laptop = try replicas.make("laptop")
        _ = try laptop.addCohort(programme: "NPQH", name: "Spring 2024", starts: "2024-02-18")  // 3 changes
        _ = try laptop.addVenue(city: "Wuhan", school: "Wuhan No. 2 High School")  // 2 changes
        // …and the laptop's name in each of the two partitions: 2 + 2 changes.
        // A server that was running a moment ago and is gone: connections are refused.
        let url = try await withTestServer { $0.url }
        let sleeps = Sleeps()
        // The transport as the CLI makes it, but with a 2-minute connect timeout: a refused
        // connection must fail the attempt at once, not after the timeout, or a facilitator
        // waits a minute to learn it. Held for the timeout, three attempts would take 6
        // minutes; refused at once, milliseconds, or seconds on a loaded machine (32 s were
        // seen with the test suite, two simulations and a release build on two cores): the
        // bound below tells the two apart without timing anything close.
        let http = try HTTPSyncTransport(baseURL: url, connectTimeout: .seconds(120))
        let counted = FaultyTransport(http)
        let client = SyncClient(
            store: laptop.store, transport: counted, token: DeviceToken.generate().text,
            options: .init(retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(500))), sleep: sleeps.sleep)
        let started = ContinuousClock.now
        let error = await #expect(throws: FieldbookError.self) { try await client.run() }
        let elapsed = ContinuousClock.now - started
        try await http.shutdown()
        #expect(counted.attempts.count == 3, "one request per attempt")
        #expect(elapsed < .seconds(120), "three refused connections took \(elapsed)")
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("server unreachable (connection refused)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("9 changes wait for the next sync") == true, "\(error?.message ?? "")")
        #expect(sleeps.count == 2, "backoff between attempts, not after the last")
        #expect(try laptop.store.setting("server.last_sync") == nil)
    }

    @Test
    func serverErrorsAndNetworkFailuresAreRetried() async throws {
        let scenario = try await Scenario.make()
        let laptop = try scenario.replicas.make("laptop")
        let transport = ScriptedTransport(
            [
                .error(503, .unavailable), .error(500, .internal), .page(502, "<html>Bad Gateway</html>"),
                .networkFailure, .page(504, "Gateway Timeout"),
            ], then: ServiceTransport(service: scenario.backend.service))
        let sleeps = Sleeps()
        let progress = try await SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: .testing(maxAttempts: 6), sleep: sleeps.sleep
        ).run()
        #expect(progress.retries == 5)
        #expect(sleeps.count == 5)
        #expect(transport.requests == 5 + progress.rounds)
        #expect(try laptop.cohorts().count == 2, "the sync went through after the failures")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var status: Int
        var code: FieldbookError.Code
        /// A body that is not a Fieldbook message (a proxy's page) instead of an ErrorMessage.
        var page = false
        var testDescription: String { "\(status) \(page ? "page" : code.description)" }
    }

    @Test(arguments: [
        Refusal(status: 400, code: .invalidInput),
        Refusal(status: 401, code: .badToken), Refusal(status: 403, code: .scopeDenied),
        Refusal(status: 422, code: .clockSkew),
        Refusal(status: 426, code: .unsupportedVersion), Refusal(status: 404, code: .internal, page: true),
        Refusal(status: 401, code: .badToken, page: true),
    ])
    func clientErrorsAreNotRetried(refusal: Refusal) async throws {
        let scenario = try await Scenario.make()
        let laptop = try scenario.replicas.make("laptop")
        let before = try laptop.store.knowledge()
        let answer: ScriptedTransport.Answer =
            refusal.page
            ? .page(refusal.status, "<html>\(refusal.status)</html>") : .error(refusal.status, refusal.code)
        let transport = ScriptedTransport(
            [answer, answer, answer], then: ServiceTransport(service: scenario.backend.service))
        let sleeps = Sleeps()
        let client = SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID), options: .testing(maxAttempts: 4),
            sleep: sleeps.sleep)
        let error = await #expect(throws: FieldbookError.self) { try await client.run() }
        // A page that is not Fieldbook's (a proxy, a captive portal) says the server is not
        // reachable, whatever its status; a typed refusal keeps its code.
        #expect(error?.code == (refusal.page ? .unavailable : refusal.code))
        #expect(transport.requests == 1)
        #expect(sleeps.count == 0)
        #expect(try laptop.store.knowledge() == before)
    }

    /// A captive portal answers the laptop's request itself: an HTML sign-in page with 200,
    /// or a redirect to one. Neither is followed nor retried: the sync stops at once with
    /// "unavailable" and a line saying what answered, stripped of terminal escapes.
    @Test(arguments: [
        ScriptedTransport.Answer.page(
            200, "<html><head><title>Hotel \u{1B}[31mWi-Fi\u{1B}[0m login</title></head></html>"),
        ScriptedTransport.Answer.redirect("http://portal.example/login"),
    ])
    func aCaptivePortalIsUnavailableAndSaysWhatAnswered(answer: ScriptedTransport.Answer) async throws {
        let scenario = try await Scenario.make()
        let laptop = try scenario.replicas.make("laptop")
        let before = try laptop.store.knowledge()
        let transport = ScriptedTransport([answer], then: ServiceTransport(service: scenario.backend.service))
        let client = SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID), options: .testing(maxAttempts: 4))
        let error = await #expect(throws: FieldbookError.self) { try await client.run() }
        #expect(error?.code == .unavailable)
        let message = error?.message ?? ""
        #expect(message.contains("not Fieldbook"), "\(message)")
        #expect(
            message.contains("titled 'Hotel [31mWi-Fi[0m login'")
                || message.contains("redirect to http://portal.example/login"),
            "\(message)")
        #expect(!message.contains("\u{1B}"), "a terminal escape reached the message")
        #expect(transport.requests == 1)
        #expect(try laptop.store.knowledge() == before)
    }

    /// PROTOCOL §10.2: a 413 means a proxy or the server takes less than was sent; the
    /// client halves its push and goes on.
    @Test
    func tooLargeHalvesThePushAndGoesOn() async throws {
        let scenario = try await Scenario.make()
        let laptop = try scenario.replicas.make("laptop")
        _ = try laptop.addVenue(city: "Wuhan", school: "Wuhan No. 2 High School")
        let transport = ScriptedTransport(
            [.error(413, .tooLarge)], then: ServiceTransport(service: scenario.backend.service))
        let client = SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID), options: .testing(maxAttempts: 4))
        try await client.run()
        #expect(transport.requests >= 2)
        #expect(try scenario.backend.fieldbook.venues().contains { $0.city == "Wuhan" })
    }

    /// PROTOCOL §10.2: a body the server found corrupt is sent once more, then the sync stops.
    @Test(arguments: [1, 2])
    func corruptIsSentOnceMore(refusals: Int) async throws {
        let scenario = try await Scenario.make()
        let laptop = try scenario.replicas.make("laptop")
        let transport = ScriptedTransport(
            Array(repeating: .error(400, .corrupt), count: refusals),
            then: ServiceTransport(service: scenario.backend.service))
        let client = SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID), options: .testing(maxAttempts: 4))
        if refusals == 1 {
            try await client.run()
        } else {
            let error = await #expect(throws: FieldbookError.self) { try await client.run() }
            #expect(error?.code == .corrupt)
            #expect(transport.requests == 2)
        }
    }

    @Test
    func sequenceGapResumesWhereTheServerSays() async throws {
        // The laptop remembers the server holding more of its stream than it does (the
        // server was restored from a backup): the server answers 409 and the client resumes.
        let scenario = try await Scenario.make()
        let transport = ServiceTransport(service: scenario.backend.service)
        let laptop = try await scenario.writer("laptop")
        let first = try laptop.addNote("Before the backup.", event: scenario.eventA.id.description)
        try await sync(laptop, over: transport, token: try await scenario.officeToken(for: laptop.store.replicaID))
        let second = try laptop.addNote("After the backup.", event: scenario.eventA.id.description)
        var remembered = try laptop.store.peerKnowledge(Fieldbook.serverPeer)
        let stream = StreamID(partition: scenario.cohortA.partition, origin: laptop.store.replicaID)
        remembered[stream] += 3
        try laptop.store.setPeerKnowledge(Fieldbook.serverPeer, remembered)

        let counted = FaultyTransport(transport)
        try await sync(laptop, over: counted, token: try await scenario.officeToken(for: laptop.store.replicaID))
        #expect(counted.attempts.contains { $0.status == 409 }, "the server refused the gap")
        let notes = try scenario.backend.fieldbook.notes().map(\.id)
        #expect(notes.contains(first.id) && notes.contains(second.id))
        #expect(try await scenario.backend.knowledge()[stream] == laptop.store.knowledge()[stream])
    }
}
