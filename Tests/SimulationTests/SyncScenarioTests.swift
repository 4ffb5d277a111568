import Fieldbook
import FieldbookCore
import FieldbookSync
import Foundation
import Testing

/// Sync scenarios the soak and the simulation found, replayed step by step.
struct SyncScenarioTests {
    static let epoch: UInt64 = 1_709_340_000_000

    /// A sync that finds a conflict in what it pulls writes a ledger entry; the entry is
    /// pushed before the sync ends, so a sync that reports success leaves nothing unsynced
    /// (scripts/soak.sh found laptops with 6 unsynced changes, one entry, after a sync).
    @Test func ledgerEntriesWrittenWhileMergingArePushedBeforeTheSyncEnds() async throws {
        let directory = NSTemporaryDirectory() + "fieldbook-scenario-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SeededRandom(seed: 3)
        let server = try await SimulatedServer(
            path: directory + "/server.sqlite", replicaID: .random(using: &random),
            clock: ManualWallClock(milliseconds: Self.epoch))
        // One office token per replica: a token is bound to the first replica that syncs with it.
        let tokens = (0..<2).map { "fbk_0000bee\($0)_" + String(repeating: "6b", count: 32) }
        for (index, token) in tokens.enumerated() { try await server.issueToken(name: "office-\(index)", text: token) }
        let replicas = try (0..<2).map { index in
            try SimulatedReplica(
                index: index, path: directory + "/replica-\(index).sqlite", replicaID: .random(using: &random),
                token: tokens[index], now: Self.epoch, idSeed: UInt64(index + 10))
        }
        func sync(_ replica: SimulatedReplica) async throws -> SyncClient.Progress {
            try await SyncClient(
                store: replica.store, transport: server.directTransport, token: replica.token, wallClock: replica.clock,
                sleep: { _ in }
            ).run()
        }
        let office = replicas[0].fieldbook
        let cohort = try office.addCohort(programme: "NPQH", name: "Wuhan 1", starts: nil)
        let participant = try office.addParticipant(cohort: cohort.id.description, .init(name: "Li Wei"))
        let event = try office.addEvent(
            cohort: cohort.id.description, .init(kind: "webinar", title: "W1", starts: "2024-03-02T19:00"))
        for replica in replicas { _ = try await sync(replica) }

        for (replica, status) in zip(replicas, ["present", "absent"]) {
            replica.clock.advance(by: 1000)
            try replica.fieldbook.attend(
                event: event.id.description, participant: participant.id.description, status: status, remark: nil)
        }
        _ = try await sync(replicas[0])
        let progress = try await sync(replicas[1])
        #expect(progress.conflicts == 1)
        #expect(try replicas[1].fieldbook.status().unsyncedChanges == 0)
    }
}
