import Fieldbook
import FieldbookCore
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
