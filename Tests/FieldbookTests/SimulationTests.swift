import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Testing

/// Seeded randomized simulation of a term of NPQ sessions: 3 to 10 replicas write
/// offline and exchange random subsets of their changes in random order, with resent
/// and out-of-order batches, then sync fully.
///
/// Promises checked after every run: identical exports, ledgers and knowledge
/// everywhere; every write made anywhere is still the winner of its cell, or in the
/// conflict ledger with its exact value, or was knowingly overwritten.
///
/// Replay one seed: `FIELDBOOK_SEED=<n> swift test --filter SimulationTests`;
/// soak: `FIELDBOOK_SEEDS=1000 swift test --filter SimulationTests`.
struct SimulationTests {
    /// One run's world: the replicas, their clocks and what each has written.
    final class World {
        let seed: UInt64
        var random: SeededRandom
        var workload: NPQWorkload
        let clocks: [ManualWallClock]
        let replicas: [Fieldbook]
        var audit = WriteAudit()
        /// Every batch assembled so far, for resending later (duplicates, stale batches).
        var archive: [(sender: ReplicaID, batch: ChangeBatch)] = []
        var trace: [String] = []
        var stats = (writes: 0, batches: 0, duplicates: 0, gaps: 0, stale: 0)

        init(seed: UInt64) throws {
            self.seed = seed
            var random = SeededRandom(seed: seed)
            workload = NPQWorkload(seed: seed ^ 0x00FF_1E1D)
            let count = Int.random(in: 3...10, using: &random)
            // Laptop clocks disagree by up to a minute either way: inside the skew bound.
            var clocks: [ManualWallClock] = []
            for _ in 0..<count {
                let offset = UInt64.random(in: 0...120_000, using: &random)
                clocks.append(ManualWallClock(ManualWallClock.defaultStart + offset - 60_000))
            }
            self.clocks = clocks
            replicas = try (0..<count).map { try NPQFixture.replica($0 + 1, clock: clocks[$0], seed: seed) }
            self.random = random
        }

        var stores: [ReplicaStore] { replicas.map(\.store) }

        /// One replica writes; its new changes are recorded for the audit.
        func write(on index: Int) throws {
            let store = replicas[index].store
            let before = try store.knowledge()
            let action = try workload.step(on: replicas[index])
            let written = try store.changes(for: before, byteBudget: .max).batch.changes
            #expect(
                written.allSatisfy { $0.origin == store.replicaID }, "seed \(seed): a local write wrote others' changes"
            )
            audit.record(written)
            stats.writes += written.count
            trace.append("r\(index + 1) \(action) (\(written.count) changes)")
            clocks[index].advance(by: UInt64.random(in: 0...1_500, using: &random))
        }

        /// Sends a few bounded batches from one replica to another, sometimes out of
        /// order, sometimes resending an old batch.
        func exchange(from sender: Int, to receiver: Int) throws {
            let (source, target) = (stores[sender], stores[receiver])
            let budget = Int.random(in: 16...400, using: &random)
            var assumed = try target.knowledge()
            var pending: [ChangeBatch] = []
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let assembly = try source.changes(for: assumed, byteBudget: budget)
                guard !assembly.batch.isEmpty else { break }
                pending.append(assembly.batch)
                archive.append((source.replicaID, assembly.batch))
                // The next batch is assembled as if this one had landed, like a pipelined sender.
                assumed.advance(through: assembly.batch.ranges)
                if !assembly.hasMore { break }
            }
            if pending.count > 1 && random.next() % 3 == 0 {
                pending.shuffle(using: &random)
                trace.append("r\(sender + 1) -> r\(receiver + 1): \(pending.count) batches shuffled")
            }
            if random.next() % 4 == 0, let old = archive.randomElement(using: &random) {
                pending.insert(old.batch, at: Int.random(in: 0...pending.count, using: &random))
                stats.stale += 1
            }
            for batch in pending { try deliver(batch, from: source.replicaID, to: receiver) }
            // Lost messages: a batch that failed with a gap is simply never resent here;
            // the final full exchange must still bring everything.
        }

        /// Delivers one batch: it applies when every range starts at or below what the
        /// receiver holds, and otherwise fails with a gap and changes nothing.
        func deliver(_ batch: ChangeBatch, from sender: ReplicaID, to receiver: Int) throws {
            let target = stores[receiver]
            let held = try target.knowledge()
            guard let gap = batch.ranges.first(where: { $0.after > held[$0.stream] }) else {
                let report = try target.merge(batch, from: sender)
                stats.batches += 1
                stats.duplicates += report.duplicates
                #expect(report.quarantined == 0, "seed \(seed): clocks are within the bound, nothing is quarantined")
                return
            }
            let before = try canonicalDump(target)
            let error = #expect(throws: FieldbookError.self, "seed \(seed): a batch past a gap must be refused") {
                try target.merge(batch, from: sender)
            }
            stats.gaps += 1
            #expect(error?.code == .sequenceGap, "seed \(seed)")
            #expect(error?.resume.map { $0.after <= gap.after } == true, "seed \(seed): a gap says where to resume")
            #expect(try canonicalDump(target) == before, "seed \(seed): a refused batch changed the replica")
        }

        func run(steps: Int) throws {
            // The office (replica 1) sets up the term; everyone gets the roster before going offline.
            _ = try NPQFixture.roster(
                on: replicas[0], cohorts: Int.random(in: 1...2, using: &random),
                participants: Int.random(in: 2...4, using: &random), events: Int.random(in: 1...3, using: &random))
            let setup = try replicas[0].store.changes(for: Knowledge(), byteBudget: .max).batch.changes
            audit.record(setup)
            for index in replicas.indices.dropFirst() {
                try Exchange.pull(into: stores[index], from: stores[0])
            }
            for _ in 0..<steps {
                if random.next() % 10 < 7 {
                    try write(on: Int.random(in: 0..<replicas.count, using: &random))
                } else {
                    let sender = Int.random(in: 0..<replicas.count, using: &random)
                    var receiver = Int.random(in: 0..<(replicas.count - 1), using: &random)
                    if receiver >= sender { receiver += 1 }
                    try exchange(from: sender, to: receiver)
                }
            }
            // Connectivity returns: everyone syncs until nothing moves, with each other when
            // there are few of them, else through one of them acting as the server.
            let budget = [300, 2_000, 50_000].randomElement(using: &random)!
            if replicas.count <= 4 {
                try Exchange.untilQuiescent(stores, byteBudget: budget, maximumRounds: 30)
            } else {
                let hub = Int.random(in: 0..<replicas.count, using: &random)
                try Exchange.untilQuiescent(stores, hub: hub, byteBudget: budget, maximumRounds: 30)
            }
        }
    }

    @Test(arguments: Seeds.list(default: 30))
    func replicasConvergeAndLoseNothing(seed: UInt64) throws {
        let replay = Seeds.replay(seed, filter: "SimulationTests")
        let world = try World(seed: seed)
        do {
            try world.run(steps: 32)
        } catch {
            print("SIMULATION seed \(seed) failed: \(String(reflecting: error))")
            Issue.record(
                "seed \(seed): \(error)\nlast steps:\n\(world.trace.suffix(8).joined(separator: "\n"))\n\(replay)")
            return
        }
        let first = world.replicas[0]
        let attendance = try first.exportAttendance(format: .csv)
        let notes = try first.exportNotes(format: .json)
        let dump = try canonicalDump(first.store)
        for (index, replica) in world.replicas.enumerated().dropFirst() {
            #expect(
                try replica.exportAttendance(format: .csv) == attendance,
                "seed \(seed): r\(index + 1) export. \(replay)")
            #expect(try replica.exportNotes(format: .json) == notes, "seed \(seed): r\(index + 1) notes. \(replay)")
            #expect(try canonicalDump(replica.store) == dump, "seed \(seed): r\(index + 1) differs. \(replay)")
        }
        let problems = try world.audit.problems(in: first.store)
        #expect(
            problems.isEmpty, "seed \(seed): lost writes:\n\(problems.prefix(5).joined(separator: "\n"))\n\(replay)")
        #expect(world.stats.writes > 0)

        // The office reviews the ledger and settles every open entry; after one more
        // sync nothing is open anywhere.
        for conflict in try first.conflicts() {
            let keep = conflict.id.rawValue.low % 2 == 0 ? "winner" : "loser"
            _ = try first.resolveConflict(conflict.id.description, keep: keep)
        }
        #expect(try first.conflicts().isEmpty, "seed \(seed): resolving every entry leaves none open. \(replay)")
        try Exchange.untilQuiescent(world.stores, hub: 0)
        let settled = try canonicalDump(first.store)
        for (index, replica) in world.replicas.enumerated() {
            #expect(try replica.conflicts().isEmpty, "seed \(seed): r\(index + 1) still has open conflicts. \(replay)")
            #expect(try canonicalDump(replica.store) == settled, "seed \(seed): r\(index + 1) differs. \(replay)")
        }
    }
}
