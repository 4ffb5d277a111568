import Fieldbook
import FieldbookCore
import FieldbookSync
import Foundation
import Testing

/// Clock-skew scenarios the simulation found, replayed step by step.
struct QuarantineScenarioTests {
    static let epoch: UInt64 = 1_709_340_000_000
    static let day: UInt64 = 86_400_000

    /// A laptop days ahead writes in two cohorts; the first cohort's changes leave in a
    /// bundle (so they can never be re-stamped), the second's do not. Once its clock is
    /// fixed, the second cohort's re-stamped changes must reach the server even when the
    /// stuck first cohort fills every small pushed batch (simulation seed 56).
    @Test func restampedChangesArePushedPastAStreamStuckInQuarantine() async throws {
        let directory = NSTemporaryDirectory() + "fieldbook-scenario-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SeededRandom(seed: 56)
        let server = try SimulatedServer(
            path: directory + "/server.sqlite", replicaID: .random(using: &random),
            clock: ManualWallClock(milliseconds: Self.epoch))
        let token = "fbk_0000abcd_" + String(repeating: "5a", count: 32)
        try await server.issueToken(name: "laptop", text: token)
        let laptop = try SimulatedReplica(
            index: 0, path: directory + "/laptop.sqlite", replicaID: .random(using: &random), token: token,
            now: Self.epoch, idSeed: 1)
        let peer = try SimulatedReplica(
            index: 1, path: directory + "/peer.sqlite", replicaID: .random(using: &random), token: token,
            now: Self.epoch, idSeed: 2)
        func sync() async throws -> SyncClient.Progress {
            try await SyncClient(
                store: laptop.store, transport: server.directTransport, token: token,
                options: .init(
                    sizes: LinkSizes(frameBytes: 64, roundBytes: 256), idleTimeout: nil, frameTimeout: nil, seed: 1),
                wallClock: laptop.clock, sleep: { _ in }
            ).run()
        }
        _ = try await sync()

        laptop.clock.set(Self.epoch + 3 * Self.day)
        let first = try laptop.fieldbook.addCohort(programme: "NPQH", name: "First", starts: nil)
        for index in 0..<6 { _ = try laptop.fieldbook.addNote("first \(index)", cohort: first.id.description) }
        _ = try peer.fieldbook.importBundle(try laptop.fieldbook.exportBundle().bytes)
        laptop.clock.advance(by: 1000)
        let second = try laptop.fieldbook.addCohort(programme: "NPQLT", name: "Second", starts: nil)
        _ = try laptop.fieldbook.addNote("second", cohort: second.id.description)
        #expect(try await sync().quarantined > 0)

        laptop.clock.set(Self.epoch + 60_000)
        server.clock.set(Self.epoch + 60_000)
        let progress = try await sync()
        #expect(progress.restamped > 0)
        let stuck = try server.store.store.quarantined().map(\.change.partition)
        #expect(!stuck.contains(second.partition), "the re-stamped cohort is still quarantined")
        #expect(try server.fieldbook.cohorts().map(\.name) == ["Second"])
    }
}
