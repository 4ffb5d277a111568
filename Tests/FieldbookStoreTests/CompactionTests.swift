import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import GRDB
import Testing

/// `compact(supersededBefore:)` drops superseded changes from the log; the vectors keep
/// counting them, and peers that sync afterwards still converge.
struct CompactionTests {
    static let row = RowKey(Fixture.rowID(1))

    static func history(_ store: ReplicaStore) throws -> [Int64] {
        try store.read { db in try Int64.fetchAll(db, sql: "SELECT superseded FROM fb_history ORDER BY superseded") }
    }

    @Test func removesOnlyChangesSupersededBeforeTheCutoff() throws {
        let clock = ManualWallClock()
        let store = try Fixture.store(1, clock: clock)
        let start = clock.milliseconds()
        for (step, name) in ["ada", "bo", "cy"].enumerated() {
            clock.set(start + UInt64(step) * 1_000)
            try store.write { tx in
                _ = try tx.set(table: Fixture.items, key: Self.row, partition: .shared, values: ["name": .text(name)])
            }
        }
        // "ada" stopped winning at start+1000, "bo" at start+2000.
        #expect(try Self.history(store) == [Int64(start + 1_000), Int64(start + 2_000)])
        let knowledge = try store.knowledge()
        let data = try canonicalDump(store, .data)

        #expect(try store.compact(supersededBefore: start + 1_000) == 0, "the cutoff is exclusive")
        #expect(try store.compact(supersededBefore: start + 1_500) == 1)
        #expect(try Self.history(store) == [Int64(start + 2_000)])
        #expect(try store.knowledge() == knowledge, "vectors still count compacted changes")
        #expect(try canonicalDump(store, .data) == data, "winners are never compacted")
        #expect(try Fixture.everything(in: store).changes.map(\.sequence) == [2, 3])
        #expect(try store.compact(supersededBefore: .max >> 1) == 1)
        #expect(try store.logCounts().superseded == 0)
        #expect(try store.logCounts().winners == 1)
    }

    @Test(arguments: Seeds.list(default: 6))
    func freshPeerSyncingAfterCompactionConverges(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let clocks = (0..<3).map { _ in ManualWallClock() }
        let stores = try (0..<3).map { try Fixture.store($0 + 1, clock: clocks[$0]) }
        var workload = StoreWorkload(seed: seed)
        for _ in 0..<40 {
            let index = Int.random(in: 0..<3, using: &random)
            clocks[index].advance(by: UInt64.random(in: 0...5, using: &random))
            _ = try workload.step(on: stores[index])
            if random.next() % 6 == 0 {
                try Exchange.pull(into: stores[index], from: stores.randomElement(using: &random)!, byteBudget: 64)
            }
        }
        try Exchange.untilQuiescent(stores)

        // One replica compacts everything superseded; a new laptop syncs from it alone.
        let source = stores[Int.random(in: 0..<3, using: &random)]
        let knowledge = try source.knowledge()
        let removed = try source.compact(supersededBefore: .max >> 1)
        #expect(try source.knowledge() == knowledge, "seed \(seed)")
        let fresh = try Fixture.store(9)
        let budget = Int.random(in: 1...100, using: &random)
        try Exchange.pull(into: fresh, from: source, byteBudget: budget)
        #expect(try fresh.knowledge() == knowledge, "seed \(seed) removed \(removed) budget \(budget)")
        #expect(try canonicalDump(fresh, [.data, .ledger]) == canonicalDump(source, [.data, .ledger]), "seed \(seed)")

        // And the fresh replica keeps syncing with the others, which did not compact.
        try Exchange.untilQuiescent(stores + [fresh])
        let expected = try canonicalDump(stores[0])
        #expect(try canonicalDump(fresh) == expected, "seed \(seed)")
    }

    @Test func compactionDuringATransferCostsNoRestart() throws {
        let clock = ManualWallClock()
        let source = try Fixture.store(1, clock: clock)
        var workload = StoreWorkload(seed: 77)
        for _ in 0..<60 {
            clock.advance(by: 1)
            _ = try workload.step(on: source)
        }
        let peer = try Fixture.store(2)
        // Half the history arrives, then the source compacts, then the transfer resumes.
        var sent = 0
        while sent < 20 {
            let assembly = try source.changes(for: try peer.knowledge(), byteBudget: 32)
            try peer.merge(assembly.batch, from: source.replicaID)
            sent += assembly.batch.changes.count
        }
        clock.advance(by: 1)
        #expect(try source.compact(supersededBefore: clock.milliseconds()) > 0)
        try Exchange.pull(into: peer, from: source, byteBudget: 32)
        #expect(try peer.knowledge() == (try source.knowledge()))
        #expect(try canonicalDump(peer, .data) == canonicalDump(source, .data))
    }

    @Test func ledgerKeepsALoserThatWasCompactedBeforeAPeerPulledIt() throws {
        let clock = ManualWallClock()
        let (a, b) = (try Fixture.store(1, clock: clock), try Fixture.store(2, clock: clock))
        try a.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: .shared, values: ["name": .text("ada")])
        }
        clock.advance(by: 1)
        try b.write { tx in
            _ = try tx.set(table: Fixture.items, key: Self.row, partition: .shared, values: ["name": .text("bo")])
        }
        try Exchange.pull(into: b, from: a)
        clock.advance(by: 1)
        #expect(try b.compact(supersededBefore: clock.milliseconds()) == 1, "A's losing write leaves B's log")

        let c = try Fixture.store(3, clock: clock)
        try Exchange.pull(into: c, from: b)
        #expect(try c.knowledge() == (try b.knowledge()))
        let ledger = try c.read { db in try String.fetchAll(db, sql: "SELECT loser_value FROM conflicts") }
        #expect(ledger == ["ada"], "C never saw A's write, but its ledger holds it")
    }
}
