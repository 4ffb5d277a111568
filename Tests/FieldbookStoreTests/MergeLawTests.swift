import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Testing

/// The merge laws on real SQLite: the order and grouping in which a replica receives
/// changes never changes what it ends up holding.
struct MergeLawTests {
    /// Change sets written on three source replicas, which sometimes pull from each
    /// other between writes (so some writes knowingly overwrite others and sets overlap).
    struct Sources {
        var stores: [ReplicaStore]
        var sets: [ChangeBatch]
        var audit: WriteAudit
    }

    static func sources(seed: UInt64, count: Int = 3, steps: Int = 40) throws -> Sources {
        var random = SeededRandom(seed: seed)
        let clocks = (0..<count).map { _ in ManualWallClock() }
        let stores = try (0..<count).map { try Fixture.store($0 + 1, clock: clocks[$0]) }
        var workload = StoreWorkload(seed: seed)
        var audit = WriteAudit()
        for _ in 0..<steps {
            let index = Int.random(in: 0..<count, using: &random)
            clocks[index].advance(by: UInt64.random(in: 0...3, using: &random))
            audit.record(try workload.step(on: stores[index]))
            if random.next() % 8 == 0 {
                let other = Int.random(in: 0..<count, using: &random)
                if other != index { try Exchange.pull(into: stores[index], from: stores[other]) }
            }
        }
        return Sources(stores: stores, sets: try stores.map(Fixture.everything), audit: audit)
    }

    static func fresh(_ index: Int) throws -> ReplicaStore {
        try Fixture.store(index, clock: ManualWallClock(ManualWallClock.defaultStart + 60_000))
    }

    static func merge(_ sets: [ChangeBatch], into store: ReplicaStore, from sources: [ReplicaStore]) throws {
        for (batch, source) in zip(sets, sources) { try store.merge(batch, from: source.replicaID) }
    }

    @Test(arguments: Seeds.list(default: 5))
    func mergeIsCommutative(seed: UInt64) throws {
        let sources = try Self.sources(seed: seed)
        let forward = try Self.fresh(11)
        let backward = try Self.fresh(12)
        try Self.merge(sources.sets, into: forward, from: sources.stores)
        try Self.merge(sources.sets.reversed(), into: backward, from: sources.stores.reversed())
        #expect(
            try canonicalDump(forward, .data) == canonicalDump(backward, .data),
            "seed \(seed): \(Seeds.replay(seed, filter: "MergeLawTests"))")

        // The ledgers may differ until the receivers exchange what each detected.
        try Exchange.untilQuiescent([forward, backward])
        #expect(try canonicalDump(forward) == canonicalDump(backward), "seed \(seed)")
        for store in [forward, backward] {
            #expect(try sources.audit.problems(in: store) == [], "seed \(seed)")
        }
    }

    @Test(arguments: Seeds.list(default: 5))
    func everyArrivalOrderGivesTheSameData(seed: UInt64) throws {
        let sources = try Self.sources(seed: seed)
        var random = SeededRandom(seed: seed ^ 0x5EED)
        var receivers: [ReplicaStore] = []
        for index in 0..<4 {
            let order = Array(sources.sets.indices).shuffled(using: &random)
            let receiver = try Self.fresh(20 + index)
            try Self.merge(order.map { sources.sets[$0] }, into: receiver, from: order.map { sources.stores[$0] })
            receivers.append(receiver)
        }
        let expected = try canonicalDump(receivers[0], .data)
        for receiver in receivers.dropFirst() {
            #expect(try canonicalDump(receiver, .data) == expected, "seed \(seed)")
        }
        try Exchange.untilQuiescent(receivers)
        let all = try canonicalDump(receivers[0])
        for receiver in receivers.dropFirst() {
            #expect(try canonicalDump(receiver) == all, "seed \(seed): ledgers converge after exchange")
        }
    }

    @Test(arguments: Seeds.list(default: 5))
    func mergeIsAssociative(seed: UInt64) throws {
        let sources = try Self.sources(seed: seed)
        let (a, b, c) = (sources.sets[0], sources.sets[1], sources.sets[2])
        let (storeA, storeB, storeC) = (sources.stores[0], sources.stores[1], sources.stores[2])

        // ((A, B), C)
        let left = try Self.fresh(31)
        try Self.merge([a, b], into: left, from: [storeA, storeB])
        try left.merge(c, from: storeC.replicaID)

        // (A, (B, C)): B and C meet on an intermediate replica first, which relays them.
        let middle = try Self.fresh(32)
        try Self.merge([b, c], into: middle, from: [storeB, storeC])
        let right = try Self.fresh(33)
        try right.merge(a, from: storeA.replicaID)
        try right.merge(try Fixture.everything(in: middle), from: middle.replicaID)

        #expect(try canonicalDump(left, .data) == canonicalDump(right, .data), "seed \(seed)")
        try Exchange.untilQuiescent([left, middle, right])
        #expect(try canonicalDump(left) == canonicalDump(right), "seed \(seed)")
        #expect(try canonicalDump(middle) == canonicalDump(right), "seed \(seed)")
    }

    @Test(arguments: Seeds.list(default: 5))
    func mergeIsIdempotent(seed: UInt64) throws {
        let sources = try Self.sources(seed: seed)
        let receiver = try Self.fresh(41)
        try Self.merge(sources.sets, into: receiver, from: sources.stores)
        let before = try canonicalDump(receiver)
        for (batch, source) in zip(sources.sets, sources.stores) {
            let again = try receiver.merge(batch, from: source.replicaID)
            #expect(again.duplicates == batch.changes.count, "seed \(seed)")
            #expect(again.received == 0 && again.conflicts == 0, "seed \(seed)")
        }
        #expect(try canonicalDump(receiver) == before, "seed \(seed): a resent batch changes nothing")
    }

    @Test(arguments: Seeds.list(default: 5))
    func groupingIntoBatchesDoesNotMatter(seed: UInt64) throws {
        let sources = try Self.sources(seed: seed)
        var random = SeededRandom(seed: seed ^ 0xB47C)
        let whole = try Self.fresh(51)
        try Self.merge(sources.sets, into: whole, from: sources.stores)
        let pieces = try Self.fresh(52)
        for source in sources.stores.shuffled(using: &random) {
            let budget = Int.random(in: 1...120, using: &random)
            let (_, batches) = try Exchange.pull(into: pieces, from: source, byteBudget: budget)
            #expect(batches >= 1)
        }
        #expect(try canonicalDump(whole, .data) == canonicalDump(pieces, .data), "seed \(seed)")
        try Exchange.untilQuiescent([whole, pieces], byteBudget: 64)
        #expect(try canonicalDump(whole) == canonicalDump(pieces), "seed \(seed)")
    }

    @Test(arguments: Seeds.list(default: 5))
    func receiversEndWithTheSourcesDataAndLoseNoWrite(seed: UInt64) throws {
        let sources = try Self.sources(seed: seed)
        let receiver = try Self.fresh(61)
        try Self.merge(sources.sets, into: receiver, from: sources.stores)
        try Exchange.untilQuiescent(sources.stores + [receiver])
        let expected = try canonicalDump(receiver)
        for source in sources.stores {
            #expect(try canonicalDump(source) == expected, "seed \(seed)")
        }
        let problems = try sources.audit.problems(in: receiver)
        #expect(problems == [], "seed \(seed): \(Seeds.replay(seed, filter: "MergeLawTests"))")
    }
}
