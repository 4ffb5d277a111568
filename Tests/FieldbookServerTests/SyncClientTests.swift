import Fieldbook
import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Testing

/// What one `SyncClient.run()` leaves behind.
struct SyncClientTests {
    /// Two facilitators mark the same participant differently offline. The second to sync
    /// detects the conflict while merging what it pulled and writes a ledger entry: a
    /// local change. A sync runs "until neither side has anything the other lacks", so
    /// that entry must go up in the same sync, not wait for the next one.
    @Test
    func ledgerEntriesWrittenWhilePullingGoUpInTheSameSync() async throws {
        let scenario = try await Scenario.make()
        let transport = ServiceTransport(service: scenario.backend.service)
        let scope = TokenScope.cohorts([scenario.cohortA.partition])
        let wang = try scenario.replicas.make("wang")
        let wangToken = try await scenario.backend.issueToken("wang", scope: scope)
        let chen = try scenario.replicas.make("chen")
        let chenToken = try await scenario.backend.issueToken("chen", scope: scope)
        try await sync(wang, over: transport, token: wangToken)
        try await sync(chen, over: transport, token: chenToken)

        let event = scenario.eventA.id.description
        try wang.attend(event: event, participant: "1000001", status: "present", remark: nil)
        try chen.attend(event: event, participant: "1000001", status: "absent", remark: "not on the paper register")
        try await sync(wang, over: transport, token: wangToken)
        let progress = try await sync(chen, over: transport, token: chenToken)

        // The status and the remark differ: a mark wins or loses whole, each column's loss on record.
        #expect(progress.conflicts == 2)
        #expect(try chen.status().unsyncedChanges == 0, "chen's sync ended with its own changes still unsent")
        let server = try await scenario.backend.knowledge()
        let held = try chen.store.knowledge()
        #expect(held.streams.allSatisfy { server[$0] >= held[$0] }, "the server lacks what chen holds")

        try await sync(wang, over: transport, token: wangToken)
        let ledger = try scenario.backend.fieldbook.conflicts(includeResolved: true)
        #expect(ledger.count == 2)
        #expect(try wang.conflicts(includeResolved: true) == ledger)
        #expect(try chen.conflicts(includeResolved: true) == ledger)
    }
}

/// Records the frame and round sizes each request asks for.
final class LinkSizeLog: SyncTransport, @unchecked Sendable {
    // @unchecked: `recorded` is only touched under `lock`.
    let inner: any SyncTransport
    private let lock = NSLock()
    private var recorded: [LinkSizes] = []

    init(_ inner: any SyncTransport) { self.inner = inner }

    var sizes: [LinkSizes] { lock.withLock { recorded } }

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        var reader = FrameReader()
        reader.append(body)
        if case .roundOpen(let open)? = try reader.next() {
            lock.withLock {
                recorded.append(LinkSizes(frameBytes: Int(open.frameBytes), roundBytes: Int(open.roundBytes)))
            }
        }
        try await inner.post(body, token: token, receive: receive)
    }
}

struct SyncClientLinkSizeTests {
    /// Every failed attempt halves the frames and rounds, every completed round doubles
    /// them, and the replica remembers where they ended: a laptop on a bad link starts
    /// its next sync small.
    @Test
    func sizesShrinkOnEveryFailureGrowOnSuccessAndAreRemembered() async throws {
        let scenario = try await Scenario.make()
        _ = try await scenario.officeWithRoster(of: 300)
        let laptop = try scenario.replicas.make("laptop")
        let server = ServiceTransport(service: scenario.backend.service)
        let failing = LinkSizeLog(ScriptedTransport([.networkFailure, .networkFailure, .networkFailure], then: server))
        var options = SyncClient.Options.testing(maxAttempts: 6)
        options.sizes = nil
        try await SyncClient(
            store: laptop.store, transport: failing, token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: options
        )
        .run()
        let sizes = failing.sizes
        let standard = LinkSizes.standard
        #expect(sizes.first == standard)
        #expect(sizes.dropFirst().first == standard.shrunk(), "the first failure halves: \(sizes)")
        #expect(sizes.dropFirst(3).first == standard.shrunk().shrunk().shrunk(), "each failure halves: \(sizes)")
        let remembered = try #require(
            try laptop.store.setting(LinkSizes.settingKey).flatMap(LinkSizes.init(storedForm:)))
        #expect(remembered == sizes.last!.grown(upTo: .largest), "the sizes the sync ended with are kept")

        // The next sync starts where the last one ended, and grows from there.
        let next = LinkSizeLog(server)
        try await SyncClient(
            store: laptop.store, transport: next, token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: options
        ).run()
        #expect(next.sizes.first == remembered)
    }

    /// `--frame-bytes` / `--round-bytes` fix the sizes for the whole sync, failures or not,
    /// and leave the remembered ones alone.
    @Test
    func fixedSizesNeverChange() async throws {
        let scenario = try await Scenario.make()
        _ = try await scenario.officeWithRoster(of: 100)
        let laptop = try scenario.replicas.make("laptop")
        let server = ServiceTransport(service: scenario.backend.service)
        let log = LinkSizeLog(ScriptedTransport([.networkFailure], then: server))
        let fixed = LinkSizes(frameBytes: 2048, roundBytes: 4096)
        try await SyncClient(
            store: laptop.store, transport: log, token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: .testing(frameBytes: fixed.frameBytes, roundBytes: fixed.roundBytes)
        ).run()
        #expect(log.sizes.count > 2)
        #expect(log.sizes.allSatisfy { $0 == fixed }, "\(log.sizes)")
        #expect(try laptop.store.setting(LinkSizes.settingKey) == nil)
    }

    /// A cold sync with small frames arrives as many frames, each merged on its own, and
    /// ends with exactly what the server holds.
    @Test
    func aColdSyncInSmallFramesEndsWithEverything() async throws {
        let scenario = try await Scenario.make()
        let office = try await scenario.officeWithRoster(of: 400)
        let laptop = try scenario.replicas.make("laptop")
        let progress = try await sync(
            laptop, over: ServiceTransport(service: scenario.backend.service),
            token: try await scenario.officeToken(for: laptop.store.replicaID),
            options: .testing(frameBytes: 512, roundBytes: 2048))
        #expect(progress.frames > 20, "too few frames: \(progress.frames)")
        #expect(progress.rounds > 3, "a round carries about 2 KB: \(progress.rounds) rounds")
        #expect(try laptop.store.knowledge() == (try await scenario.backend.knowledge()))
        #expect(try laptop.participants().count == (try office.participants().count))
    }
}

extension Scenario {
    /// The office adds `count` participants to cohort A and syncs them to the server.
    func officeWithRoster(of count: Int) async throws -> Fieldbook {
        let office = self.office.fieldbook
        for index in 0..<count {
            _ = try office.addParticipant(cohort: cohortA.id.description, .init(name: "Participant \(index)"))
        }
        try await sync(office, over: ServiceTransport(service: backend.service), token: self.office.token)
        return office
    }
}
