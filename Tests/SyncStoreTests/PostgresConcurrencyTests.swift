import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Foundation
import Testing

/// Two server processes' stores (two connection pools) on one database, merging
/// overlapping pushes for the same cells and partitions from many tasks at once.
@Suite(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresConcurrencyTests {
    /// One client's pushes, in order: each batch continues where the previous ended.
    struct Plan: Sendable {
        var client: TestClient
        var batches: [ChangeBatch]
    }

    static func plans(seed: UInt64, clients: Int, changes: Int) -> [Plan] {
        var random = SeededRandom(seed: seed)
        let partitions = [Fixture.partition(1), Fixture.partition(2)]
        return (0..<clients).map { index in
            var client = TestClient(seed: seed &* 100 &+ UInt64(index))
            var own: [CellAddress: Stamp] = [:]
            var batches: [ChangeBatch] = []
            var cut: [PartitionID: UInt64] = [:]
            for write in 0..<changes {
                // Few cells, many writers: most writes overlap another client's.
                let cell = Fixture.attendance(random.next() % 3, random.next() % 4)
                let partition = partitions[Int(random.next() % 2)]
                let change = client.write(
                    cell, partition: partition, value: RandomPushes.texts[Int(random.next() % 5)],
                    time: Fixture.now - 600_000 + UInt64(write) * 97 + random.next() % 50, counter: UInt16(index),
                    previous: random.next() % 3 == 0 ? own[cell] : nil)
                own[cell] = change.stamp
                if write % 7 == 6 || write == changes - 1 {
                    var batch = ChangeBatch()
                    for partition in partitions {
                        guard let last = client.log[partition]?.last?.sequence, last > cut[partition, default: 0] else {
                            continue
                        }
                        let part = client.batch(partition, after: cut[partition, default: 0], through: last)
                        batch.changes += part.changes
                        batch.ranges += part.ranges
                        cut[partition] = last
                    }
                    batches.append(batch)
                }
            }
            return Plan(client: client, batches: batches)
        }
    }

    @Test func twoStoresMergingAtOnceEndAsOneWould() async throws {
        let clock = ManualWallClock(milliseconds: Fixture.now)
        let url = try await TestPostgres.makeDatabase()
        // Twelve clients share four connections per store and queue on the same partitions'
        // locks: on a loaded machine (the whole suite runs at once) a wait may pass the
        // default 10 s lease, which is about latency, not what this test checks.
        let options = PostgresSyncStore.Options(
            wallClock: clock, maximumConnections: 4, leaseTimeout: .seconds(120), poolExecutor: OffPoolExecutor.postgres
        )
        // Both start at once on the empty database: one migrates, the other waits for it.
        async let starting = PostgresSyncStore.connect(url: url, options: options)
        let second = try await PostgresSyncStore.connect(url: url, options: options)
        let first = try await starting
        let reference = try await StoreBackend.postgres.makeStore(wallClock: clock)
        #expect(first.replicaID == second.replicaID, "one database, one replica")
        let plans = Self.plans(seed: 42, clients: 12, changes: 84)

        let outcomes = await withTaskGroup(of: (gaps: Int, failures: [String]).self) { group in
            for (index, plan) in plans.enumerated() {
                group.addTask {
                    var random = SeededRandom(seed: UInt64(index))
                    var gaps = 0
                    var failures: [String] = []
                    for (number, batch) in plan.batches.enumerated() {
                        let stores = random.next() % 2 == 0 ? (first, second) : (second, first)
                        if number + 1 < plan.batches.count, random.next() % 8 == 0,
                            !Set(batch.ranges.map(\.stream)).isDisjoint(
                                with: plan.batches[number + 1].ranges.map(\.stream))
                        {
                            // Ahead of what landed: refused whole, with where to resume.
                            do {
                                _ = try await stores.0.merge(plan.batches[number + 1], from: plan.client.id)
                                failures.append("a batch past a gap was merged")
                            } catch let error as FieldbookError where error.code == .sequenceGap {
                                gaps += 1
                            } catch {
                                failures.append("gap: \(error)")
                            }
                        }
                        do {
                            if random.next() % 4 == 0 {
                                // The same batch through both servers at once (a client retrying).
                                async let one = stores.0.merge(batch, from: plan.client.id)
                                async let two = stores.1.merge(batch, from: plan.client.id)
                                let (a, b) = try await (one, two)
                                if a.received + b.received != batch.changes.count {
                                    failures.append("both copies merged: \(a) \(b)")
                                }
                            } else {
                                _ = try await stores.0.merge(batch, from: plan.client.id)
                            }
                        } catch {
                            failures.append("merge: \(error)")
                        }
                    }
                    return (gaps, failures)
                }
            }
            return await group.reduce(into: [(gaps: Int, failures: [String])]()) { $0.append($1) }
        }
        #expect(outcomes.flatMap(\.failures) == [])
        #expect(outcomes.map(\.gaps).reduce(0, +) > 0)

        for plan in plans {
            for batch in plan.batches { _ = try await reference.store.merge(batch, from: plan.client.id) }
        }
        let server = first.replicaID
        let knowledge = try await first.knowledge()
        let expected = try await reference.store.knowledge()
        for plan in plans {
            for partition in [Fixture.partition(1), Fixture.partition(2)] {
                #expect(knowledge[plan.client.stream(partition)] == expected[plan.client.stream(partition)])
            }
        }
        let all = try await allChanges(second)
        let clientChanges = Set(all.filter { $0.origin != server && $0.origin != .genesis })
        let pushed = Set(plans.flatMap { $0.batches.flatMap(\.changes) })
        #expect(
            clientChanges.subtracting(pushed).isEmpty,
            "never pushed: \(clientChanges.subtracting(pushed).prefix(3).map { "\($0.partition) \($0) \($0.value)" })")
        #expect(
            pushed.subtracting(clientChanges).isEmpty,
            "lost: \(pushed.subtracting(clientChanges).prefix(3).map { "\($0.partition) \($0) \($0.value)" })")
        #expect(all.count == Set(all).count, "no change twice")

        // The ledger: contiguous sequences per partition, each once, every stamp unique, rows whole.
        let ledger = all.filter { $0.origin == server }
        #expect(!ledger.isEmpty)
        for partition in [Fixture.partition(1), Fixture.partition(2)] {
            let sequences = ledger.filter { $0.partition == partition }.map(\.sequence).sorted()
            #expect(sequences == Array(1...UInt64(sequences.count)))
            #expect(knowledge[StreamID(partition: partition, origin: server)] == UInt64(sequences.count))
        }
        #expect(Set(ledger.map(\.stamp)).count == ledger.count)
        #expect(Dictionary(grouping: ledger, by: \.key).values.allSatisfy { $0.count == 6 })

        // Each cell's stored winner is its latest write: no update was lost.
        let winners = try await TestPostgres.winners(url: url)
        var latest: [CellAddress: Stamp] = [:]
        for change in clientChanges {
            latest[change.cell] = max(latest[change.cell] ?? change.stamp, change.stamp)
        }
        #expect(winners.filter { $0.key.table == "attendance" } == latest)

        await first.close()
        await second.close()
        await reference.dispose()
    }
}
