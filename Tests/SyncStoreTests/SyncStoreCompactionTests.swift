import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Testing

/// `compact(supersededBefore:)` on every store: only superseded changes leave the log,
/// and every peer, fresh or half-synced, still ends with the store's exact vector.
@Suite struct SyncStoreCompactionTests {
    @Test(arguments: StoreBackend.available)
    func compactionRemovesOnlySupersededChangesAndKeepsVectorsExact(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var alice = TestClient(seed: 11)
            var bob = TestClient(seed: 12)
            var previous: Stamp?
            for draft in 0..<5 as Range<UInt64> {
                previous =
                    alice.write(
                        Fixture.note(1), partition: Fixture.cohort, value: .text("draft \(draft)"),
                        time: Fixture.now - 1_000 + draft, previous: previous
                    ).stamp
            }
            for participant in 0..<3 as Range<UInt64> {
                alice.write(
                    Fixture.attendance(1, participant), partition: Fixture.cohort, value: .text("present"),
                    time: Fixture.now - 500 + participant)
            }
            // Bob marks participant 0 at the same time, earlier: his mark loses, to the ledger.
            bob.write(
                Fixture.attendance(1, 0), partition: Fixture.cohort, value: .text("absent"), time: Fixture.now - 600)
            let aliceBatch = alice.push()
            _ = try await store.merge(aliceBatch, from: alice.id)
            #expect(try await store.merge(bob.push(), from: bob.id).conflicts == 1)
            let knowledge = try await store.knowledge()
            let before = try await allChanges(store)
            let ledger = before.filter { $0.table == ConflictEntry.table }
            #expect(!ledger.isEmpty)

            #expect(try await compact(store, before: Fixture.now) == 0, "the cutoff is exclusive")
            #expect(try await compact(store, before: Fixture.now + 1) == 5)
            #expect(try await compact(store, before: .max) == 0, "nothing superseded is left")

            #expect(try await store.knowledge() == knowledge, "vectors still count what was removed")
            let after = try await allChanges(store)
            let removed = Set(before).subtracting(after)
            #expect(Set(after).isSubset(of: Set(before)))
            #expect(
                Set(removed.map(\.value))
                    == Set((0..<4).map { Value.text("draft \($0)") } + [.text("absent")]))
            #expect(ledger.allSatisfy(after.contains), "the conflict ledger stays whole")

            // A fresh peer and one that held Alice's stream through #2 before the compaction
            // both reach the store's vector exactly; the second receives only what is left
            // after #2.
            #expect(try await pull(store, from: Knowledge()).knowledge == knowledge)
            var halfway = knowledge
            halfway[alice.stream(Fixture.cohort)] = 2
            let resumed = try await pull(store, from: halfway)
            #expect(resumed.knowledge == knowledge)
            #expect(resumed.changes.filter { $0.origin == alice.id }.map(\.sequence) == [5, 6, 7, 8])

            // Alice's batch sent again is all duplicates: nothing removed comes back.
            let again = try await store.merge(aliceBatch, from: alice.id)
            #expect(again.duplicates == 8 && again.received == 0)
            #expect(Set(try await allChanges(store)) == Set(after))

            // Writing on top of the compacted history works as before.
            alice.write(
                Fixture.note(1), partition: Fixture.cohort, value: .text("final"), time: Fixture.now + 10,
                previous: previous)
            #expect(try await store.merge(alice.push(), from: alice.id).applied == 1)
        }
    }

    /// Compacts; on PostgreSQL two rows per statement, so the statement loop is what runs.
    func compact(_ store: any SyncStore, before cutoff: UInt64) async throws -> Int {
        if let postgres = store as? PostgresSyncStore {
            return try await postgres.compact(supersededBefore: cutoff, rowsPerStatement: 2)
        }
        return try await store.compact(supersededBefore: cutoff)
    }

    /// Pages through everything a peer holding `knowledge` lacks.
    func pull(_ store: any SyncStore, from knowledge: Knowledge) async throws -> (
        knowledge: Knowledge, changes: [Change]
    ) {
        var peer = knowledge
        var changes: [Change] = []
        for _ in 0..<1_000 {
            let assembly = try await store.changes(for: peer, partitions: nil, byteBudget: 200)
            changes += assembly.batch.changes
            peer.advance(through: assembly.batch.ranges)
            if !assembly.hasMore { break }
        }
        return (peer, changes)
    }
}
