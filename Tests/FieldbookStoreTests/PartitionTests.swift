import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import GRDB
import Testing

/// A facilitator's replica holds only the cohorts (partitions) it was issued for.
struct PartitionTests {
    @Test(arguments: Seeds.list(default: 5))
    func restrictedReplicaHoldsExactlyItsPartitions(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let clocks = (0..<2).map { _ in ManualWallClock() }
        let sources = try (0..<2).map { try Fixture.store($0 + 1, clock: clocks[$0]) }
        var workload = StoreWorkload(seed: seed, partitions: 3)
        var audit = WriteAudit()
        for _ in 0..<40 {
            let index = Int.random(in: 0..<2, using: &random)
            clocks[index].advance(by: UInt64.random(in: 0...3, using: &random))
            audit.record(try workload.step(on: sources[index]))
        }
        try Exchange.untilQuiescent(sources)
        let office = sources[0]
        let allowed: Set<PartitionID> = [Fixture.partition(1)]

        let facilitator = try Fixture.store(9)
        var batches = 0
        while true {
            let assembly = try office.changes(
                for: try facilitator.knowledge(), partitions: allowed,
                byteBudget: Int.random(in: 30...300, using: &random))
            #expect(assembly.batch.changes.allSatisfy { allowed.contains($0.partition) }, "seed \(seed)")
            #expect(assembly.batch.ranges.allSatisfy { allowed.contains($0.stream.partition) }, "seed \(seed)")
            try facilitator.merge(assembly.batch, from: office.replicaID)
            batches += 1
            if !assembly.hasMore { break }
        }
        // The facilitator may have written ledger entries of its own (detection depends on
        // arrival order); apart from its own streams it holds exactly the allowed ones.
        var held = try facilitator.knowledge()
        for stream in held.streams where stream.origin == facilitator.replicaID { held[stream] = 0 }
        #expect(held == (try office.knowledge()).restricted(to: allowed), "seed \(seed)")
        #expect(try facilitator.knowledge().partitions.allSatisfy(allowed.contains), "seed \(seed)")

        // Every cell written in an allowed partition reads the same; no other cell exists.
        for write in audit.writes {
            let here = try facilitator.version(of: write.cell)
            if allowed.contains(write.partition) {
                #expect(here == (try office.version(of: write.cell)), "seed \(seed): \(write)")
            } else {
                #expect(here == nil, "seed \(seed): \(write) leaked into a replica without its partition")
            }
        }
        // Later issued the other cohorts too, it catches up from the same knowledge.
        try Exchange.pull(into: facilitator, from: office, byteBudget: 200)
        #expect(try canonicalDump(facilitator, .data) == canonicalDump(office, .data), "seed \(seed)")
        try Exchange.untilQuiescent([office, facilitator])
        #expect(try canonicalDump(facilitator) == canonicalDump(office), "seed \(seed)")
    }
}
