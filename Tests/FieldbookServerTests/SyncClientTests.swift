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

        #expect(progress.conflicts == 1)
        #expect(try chen.status().unsyncedChanges == 0, "chen's sync ended with its own changes still unsent")
        let server = try await scenario.backend.knowledge()
        let held = try chen.store.knowledge()
        #expect(held.streams.allSatisfy { server[$0] >= held[$0] }, "the server lacks what chen holds")

        try await sync(wang, over: transport, token: wangToken)
        let ledger = try scenario.backend.fieldbook.conflicts(includeResolved: true)
        #expect(ledger.count == 1)
        #expect(try wang.conflicts(includeResolved: true) == ledger)
        #expect(try chen.conflicts(includeResolved: true) == ledger)
    }
}

/// Records the pull size each request asks for.
final class PullSizes: SyncTransport, @unchecked Sendable {
    // @unchecked: `sizes` is only touched under `lock`.
    let inner: any SyncTransport
    private let lock = NSLock()
    private var recorded: [UInt32] = []

    init(_ inner: any SyncTransport) { self.inner = inner }

    var sizes: [UInt32] { lock.withLock { recorded } }

    func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        if case .syncRequest(let request) = try WireFormat.decode(body) {
            lock.withLock { recorded.append(request.maxResponseBytes) }
        }
        return try await inner.post(body, token: token)
    }
}

struct SyncClientPullSizeTests {
    /// Small batches first (a slow link loses little per drop), doubling while rounds come
    /// back quickly, up to the maximum: a good link needs few round trips.
    @Test
    func pullBatchesGrowWhileRoundsAreFast() async throws {
        let scenario = try await Scenario.make()
        let office = try await scenario.officeWithRoster(of: 300)
        let laptop = try scenario.replicas.make("laptop")
        let transport = PullSizes(ServiceTransport(service: scenario.backend.service))
        let options = SyncClient.Options(
            pullBytes: 512, maximumPullBytes: 4096, fastRound: .seconds(3600),
            retry: RetryPolicy(maxAttempts: 2, initialDelay: .zero))
        try await SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID), options: options
        )
        .run()
        #expect(Array(transport.sizes.prefix(4)) == [512, 1024, 2048, 4096], "\(transport.sizes)")
        #expect(transport.sizes.allSatisfy { $0 <= 4096 })
        #expect(try laptop.participants().count == 300 + (try office.participants().count - 300))
    }
}

struct SyncClientPipelineTests {
    /// A cold sync asks for each next batch while merging the last one. Every early request
    /// must be the one the client would have sent (asked with the knowledge the merge
    /// left): none is thrown away, and the laptop ends with exactly what the server holds.
    @Test
    func everyEarlyRoundIsUsedAndNothingIsMissed() async throws {
        let scenario = try await Scenario.make()
        let office = try await scenario.officeWithRoster(of: 400)
        let laptop = try scenario.replicas.make("laptop")
        let transport = PullSizes(ServiceTransport(service: scenario.backend.service))
        let options = SyncClient.Options(
            pullBytes: 1024, maximumPullBytes: 1024, retry: RetryPolicy(maxAttempts: 2, initialDelay: .zero))
        let progress = try await SyncClient(
            store: laptop.store, transport: transport,
            token: try await scenario.officeToken(for: laptop.store.replicaID), options: options
        ).run()

        #expect(progress.rounds > 10, "too few rounds to pipeline: \(progress.rounds)")
        #expect(transport.sizes.count == progress.rounds, "requests sent but not used")
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
