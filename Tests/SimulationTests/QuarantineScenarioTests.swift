import Fieldbook
import FieldbookCore
import FieldbookStore
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
        let world = try await ScenarioWorld(seed: 56)
        let (server, laptop, peer) = (world.server, try world.laptop(0), try world.laptop(1))
        func sync() async throws -> SyncClient.Progress {
            try await world.sync(laptop, via: server.directTransport, sizes: LinkSizes(frameBytes: 64, roundBytes: 256))
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
        let stuck = try server.sqlite!.store.quarantined().map(\.change.partition)
        #expect(!stuck.contains(second.partition), "the re-stamped cohort is still quarantined")
        #expect(try server.fieldbook.cohorts().map(\.name) == ["Second"])
    }
}

extension QuarantineScenarioTests {
    /// The office releases a laptop's quarantined changes as they are while the laptop,
    /// its clock fixed, has just re-stamped them: the server then holds the originals and
    /// skips the re-stamped copies as duplicates. The laptop must end with the server's
    /// versions, so every replica holds one version of each change (issue 13 item 1,
    /// `FIELDBOOK_SIM_RELEASE_ALL=1 FIELDBOOK_SEED=12` in an older simulation).
    @Test func aReleaseRacingARestampEndsWithOneVersionEverywhere() async throws {
        let world = try await ScenarioWorld(seed: 12)
        let (server, laptop) = (world.server, try world.laptop(0))
        func sync(_ transport: some SyncTransport) async throws -> SyncClient.Progress {
            try await world.sync(laptop, via: transport, sizes: LinkSizes(frameBytes: 512, roundBytes: 4096))
        }
        _ = try await sync(server.directTransport)

        laptop.clock.set(Self.epoch + 3 * Self.day)
        let cohort = try laptop.fieldbook.addCohort(programme: "NPQH", name: "Skewed", starts: nil)
        let note = try laptop.fieldbook.addNote("first", cohort: cohort.id.description)
        _ = try laptop.fieldbook.editNote(note.id.description, text: "edited")
        #expect(try await sync(server.directTransport).quarantined > 0)

        // The clock is fixed; the round that carries the re-stamped copies finds the office's
        // release merged just before it.
        laptop.clock.set(Self.epoch + 60_000)
        server.clock.set(Self.epoch + 60_000)
        let racing = ReleasingTransport(inner: server.directTransport, beforeRequest: 2) {
            _ = try await server.releaseQuarantine()
        }
        #expect(try await sync(racing).restamped > 0)
        _ = try await sync(server.directTransport)

        func own(_ store: ReplicaStore) throws -> Set<Change> {
            Set(
                try store.changes(for: Knowledge(), byteBudget: .max).batch.changes.filter {
                    $0.origin == laptop.store.replicaID
                })
        }
        #expect(try own(laptop.store) == own(server.sqlite!.store), "the laptop and the server hold different versions")
        #expect(try laptop.fieldbook.notes().map(\.body) == server.fieldbook.notes().map(\.body))
        #expect(
            try laptop.store.roundKnowledge() == laptop.store.knowledge(),
            "confirmed: the laptop no longer asks for its own changes back")
    }
}

/// A server and laptops that sync with one office token, in a scratch folder removed
/// when the world goes.
final class ScenarioWorld {
    let directory: String
    let server: SimulatedServer
    let token = "fbk_0000abcd_" + String(repeating: "5a", count: 32)
    private var random: SeededRandom

    init(seed: UInt64) async throws {
        directory = NSTemporaryDirectory() + "fieldbook-scenario-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        random = SeededRandom(seed: seed)
        server = try await SimulatedServer(
            path: directory + "/server.sqlite", replicaID: .random(using: &random),
            clock: ManualWallClock(milliseconds: QuarantineScenarioTests.epoch))
        try await server.issueToken(name: "laptop", text: token)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A new laptop, numbered `index`.
    func laptop(_ index: Int) throws -> SimulatedReplica {
        try SimulatedReplica(
            index: index, path: directory + "/laptop-\(index).sqlite", replicaID: .random(using: &random),
            token: token, now: QuarantineScenarioTests.epoch, idSeed: UInt64(index + 1))
    }

    /// One whole `fieldbook sync` of `laptop` through `transport`.
    func sync(_ laptop: SimulatedReplica, via transport: some SyncTransport, sizes: LinkSizes) async throws
        -> SyncClient.Progress
    {
        try await SyncClient(
            store: laptop.store, transport: transport, token: token,
            options: .init(sizes: sizes, idleTimeout: nil, frameTimeout: nil, seed: 1),
            wallClock: laptop.clock, sleep: { _ in }
        ).run()
    }
}

/// Runs `action` once, just before the `beforeRequest`-th request (counting from 1) goes
/// to the server: a race placed exactly.
final class ReleasingTransport<Inner: SyncTransport>: SyncTransport, @unchecked Sendable {
    let inner: Inner
    let beforeRequest: Int
    let action: () async throws -> Void
    private var requests = 0

    init(inner: Inner, beforeRequest: Int, action: @escaping () async throws -> Void) {
        self.inner = inner
        self.beforeRequest = beforeRequest
        self.action = action
    }

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        requests += 1
        if requests == beforeRequest { try await action() }
        try await inner.post(body, token: token, receive: receive)
    }
}
