import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Testing

/// The conflict ledger a store writes: ordinary replicated cells in the server's own
/// streams, with the server's own contiguous sequence numbers.
@Suite struct SyncStoreLedgerTests {
    @Test(arguments: StoreBackend.available)
    func concurrentLosersGoToTheLedgerInTheServersStream(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            let cell = Fixture.attendance(7, 7)
            let server = StreamID(partition: Fixture.cohort, origin: store.replicaID)
            var alice = TestClient(seed: 10)
            var bob = TestClient(seed: 11)
            var carol = TestClient(seed: 12)
            var dave = TestClient(seed: 13)
            let lost = alice.write(cell, partition: Fixture.cohort, value: .text("present"), time: Fixture.now - 300)
            let won = bob.write(cell, partition: Fixture.cohort, value: .text("absent"), time: Fixture.now - 200)
            let old = carol.write(cell, partition: Fixture.cohort, value: .text("late"), time: Fixture.now - 400)

            #expect(try await store.merge(alice.push(), from: alice.id) == BatchMerger.Report(applied: 1))
            #expect(try await store.merge(bob.push(), from: bob.id) == BatchMerger.Report(applied: 1, conflicts: 1))
            #expect(try await store.knowledge()[server] == 6)
            let carolBatch = carol.push()
            #expect(
                try await store.merge(carolBatch, from: carol.id) == BatchMerger.Report(superseded: 1, conflicts: 1))
            #expect(try await store.merge(carolBatch, from: carol.id) == BatchMerger.Report(duplicates: 1))
            #expect(try await store.knowledge()[server] == 12)

            // A write that saw the winner resolves nothing by itself and conflicts with nobody.
            dave.write(
                cell, partition: Fixture.cohort, value: .text("excused"), time: Fixture.now - 100, previous: won.stamp)
            #expect(try await store.merge(dave.push(), from: dave.id) == BatchMerger.Report(applied: 1))

            let ledger = try await allChanges(store).filter { $0.origin == store.replicaID }
            #expect(ledger.map(\.sequence).sorted() == Array(1...12))
            #expect(ledger.allSatisfy { $0.table == ConflictEntry.table && $0.partition == Fixture.cohort })
            #expect(Set(ledger.map(\.stamp)).count == 12, "every ledger write has its own stamp")
            #expect(
                ledger.allSatisfy { $0.stamp.time > won.stamp.time }, "the server's clock observed the merged stamps")
            for loser in [lost, old] {
                let key = ConflictEntry.key(cell: cell, loser: loser.stamp)
                let row = Dictionary(
                    uniqueKeysWithValues: ledger.filter { $0.key == key }.map { ($0.column, $0.value) })
                let expected = Dictionary(
                    uniqueKeysWithValues: ConflictEntry.values(cell: cell, loser: loser.version).map {
                        ($0.column, $0.value)
                    })
                #expect(row == expected)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func aLedgerRowSeenFromAnotherReplicaIsNotWrittenTwice(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            let cell = Fixture.attendance(8, 8)
            var alice = TestClient(seed: 20)
            var bob = TestClient(seed: 21)
            var office = TestClient(seed: 22)
            let lost = alice.write(cell, partition: Fixture.cohort, value: .text("present"), time: Fixture.now - 300)
            bob.write(cell, partition: Fixture.cohort, value: .text("absent"), time: Fixture.now - 200)
            // The office saw both first and wrote the ledger row itself; it reaches the server first.
            let key = ConflictEntry.key(cell: cell, loser: lost.stamp)
            for (column, value) in ConflictEntry.values(cell: cell, loser: lost.version) {
                office.write(
                    CellAddress(table: ConflictEntry.table, key: key, column: column), partition: Fixture.cohort,
                    value: value, time: Fixture.now - 150)
            }
            _ = try await store.merge(office.push(), from: office.id)
            _ = try await store.merge(alice.push(), from: alice.id)
            let report = try await store.merge(bob.push(), from: bob.id)
            #expect(report.conflicts == 1)
            #expect(try await store.knowledge()[StreamID(partition: Fixture.cohort, origin: store.replicaID)] == 0)
        }
    }
}
