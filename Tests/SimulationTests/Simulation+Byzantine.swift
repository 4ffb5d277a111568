import Fieldbook
import FieldbookCore
import FieldbookServer
import FieldbookStore
import FieldbookSync
import FieldbookTestSupport

/// The byzantine laptop's part in a run: set up with a cohort-scoped token, it pulls
/// honestly now and then and otherwise lies (``ByzantineReplica/Attack``). Every lie must
/// get its documented answer and leave the server's store as it was; the honest replicas'
/// invariants are checked as in any run, and the liar must end holding exactly what its
/// token may read.
extension Simulation {
    /// What of the server's store a lie must not change. On PostgreSQL, whose tables the
    /// simulation does not read mid-run, the log is counted through the store's readout
    /// (winners, superseded and pending changes together).
    struct ServerFootprint: Equatable {
        var knowledge: Knowledge
        var winners: Int
        var superseded: Int
        var pending: Int
        var quarantined: Int
    }

    func serverFootprint() async throws -> ServerFootprint {
        let knowledge = try await server.sync.knowledge()
        if let store = server.sqlite?.store {
            let counts = try store.logCounts()
            return ServerFootprint(
                knowledge: knowledge, winners: counts.winners, superseded: counts.superseded,
                pending: counts.pending, quarantined: counts.quarantined)
        }
        return ServerFootprint(
            knowledge: knowledge, winners: try await allChanges(server.sync, byteBudget: 1 << 20).count,
            superseded: 0, pending: 0,
            quarantined: try await server.sync.quarantined().count)
    }

    func setUpByzantine(cohort: PartitionID) async throws {
        let secret = (0..<4).map { _ in String(format: "%016llx", random.next()) }.joined()
        let token = "fbk_0000bad0_" + secret
        let decoy = PartitionID(Bytes16(high: random.next(), low: random.next()))
        try await server.issueToken(name: "byzantine", text: token, scope: .cohorts([cohort, decoy]))
        byzantine = try ByzantineReplica(
            path: directory + "/byzantine.sqlite", replicaID: ReplicaID.random(using: &random), token: token,
            cohort: cohort, decoy: decoy, now: now)
        log("the byzantine laptop is \(byzantine!.replicaID.short)")
        // Its laptop synced once, which bound its token to its replica: a token's first use
        // binds it, so a round under another replica's ID is refused from then on.
        try await byzantinePull()
    }

    /// One step of the byzantine laptop: a pull, or a lie checked against its expected answer.
    func byzantineStep() async throws {
        guard let byzantine, serverDownUntil == nil else { return }
        byzantine.clock.set(now)
        if Int.random(in: 0..<3, using: &random) == 0 {
            try await byzantinePull()
            return
        }
        let attack = ByzantineReplica.Attack.allCases.randomElement(using: &random)!
        guard
            let lie = try byzantine.craft(
                attack, server: try await server.sync.knowledge(), serverID: server.replicaID,
                honest: replicas.map(\.replicaID), random: &random)
        else { return }
        let before = try await serverFootprint()
        let mergedBefore = server.merged.received
        let answer = await server.handle(body: lie.body, token: byzantine.token)
        guard answer.status == attack.expectedStatus else {
            throw SimulationFailure(
                description:
                    "the server answered the byzantine laptop's \(attack) with HTTP \(answer.status), not \(attack.expectedStatus): \(lie.changes.map(\.description).joined(separator: "; "))"
            )
        }
        guard try await serverFootprint() == before, server.merged.received == mergedBefore else {
            throw SimulationFailure(description: "the byzantine laptop's \(attack) changed the server's store")
        }
        if answer.status == 200 { stats.liesHarmless += 1 } else { stats.liesRefused += 1 }
        log("the byzantine laptop sends \(attack): HTTP \(answer.status)")
    }

    /// The byzantine laptop syncs honestly: pulls what its token may read (it has nothing
    /// of its own to push).
    func byzantinePull() async throws {
        guard let byzantine, serverDownUntil == nil else { return }
        byzantine.clock.set(now)
        let client = SyncClient(
            store: byzantine.store, transport: server.directTransport, token: byzantine.token,
            options: .init(
                sizes: LinkSizes(frameBytes: options.batchBytes / 4, roundBytes: options.batchBytes),
                retry: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(1)),
                idleTimeout: nil, frameTimeout: nil, seed: random.next()),
            wallClock: byzantine.clock, sleep: { _ in })
        let progress = try await client.run()
        guard progress.sent == 0 else {
            throw SimulationFailure(description: "the byzantine laptop pushed \(progress.sent) changes it never wrote")
        }
        log("the byzantine laptop pulls \(progress.received) changes")
    }

    /// The liar holds exactly what its token may read of the server, and nothing else.
    func checkByzantineScope() async throws {
        guard let byzantine else { return }
        let held = try byzantine.store.knowledge()
        if let outside = held.partitions.first(where: { !byzantine.readable.contains($0) }) {
            throw SimulationFailure(description: "the byzantine laptop holds partition \(outside), outside its token")
        }
        guard held == (try await server.sync.knowledge().restricted(to: byzantine.readable)) else {
            throw SimulationFailure(
                description: "the byzantine laptop's knowledge differs from what its token may read on the server")
        }
    }
}
