import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Testing

/// The store contract, run against every ``FieldbookServer/SyncStore`` implementation.
@Suite struct SyncStoreTests {
    @Test(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
    func postgresIsTested() {}

    @Test(arguments: StoreBackend.available)
    func mergeKnowledgeAndChangesRoundTrip(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var alice = TestClient(seed: 1)
            for index in 0..<40 as Range<UInt64> {
                alice.write(
                    Fixture.attendance(index / 10, index % 10), partition: Fixture.cohort,
                    value: .text(["present", "late"][Int(index % 2)]), time: Fixture.now - 60_000 + index)
            }
            alice.write(
                Fixture.note(1, "event_id"), partition: .shared, value: .blob([0, 1, 2]), time: Fixture.now - 1000)
            let first = alice.write(Fixture.note(2), partition: Fixture.cohort, value: .null, time: Fixture.now - 900)
            alice.write(
                Fixture.note(2), partition: Fixture.cohort, value: .text("夜 notes"), time: Fixture.now - 800,
                previous: first.stamp)
            alice.write(
                CellAddress(table: "events", key: RowKey(Fixture.row(9)), column: "module"), partition: Fixture.cohort,
                value: .integer(.min), time: Fixture.now - 700)
            let batch = alice.push()
            let report = try await store.merge(batch, from: alice.id)
            #expect(report.applied == 44 && report.conflicts == 0 && report.duplicates == 0)

            let knowledge = try await store.knowledge()
            #expect(knowledge[alice.stream(Fixture.cohort)] == 43)
            #expect(knowledge[alice.stream(.shared)] == 1)
            #expect(knowledge[StreamID(partition: .shared, origin: .genesis)] == 12, "genesis is held")

            // The overwritten note is still in the log, as history.
            let all = try await allChanges(store)
            #expect(Set(all.filter { $0.origin == alice.id }) == Set(batch.changes))
            #expect(all.count == batch.changes.count + 12)

            // A peer holding everything gets nothing; small budgets page through the same content.
            let none = try await store.changes(for: knowledge, partitions: nil, byteBudget: 1 << 16)
            #expect(none.batch.isEmpty && !none.hasMore)
            #expect(Set(try await allChanges(store, byteBudget: 40)) == Set(all))
            let shared = try await allChanges(store, partitions: [.shared])
            #expect(shared.count == 13 && shared.allSatisfy { $0.partition == .shared })
        }
    }

    @Test(arguments: StoreBackend.available)
    func remergeIsIdempotent(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var alice = TestClient(seed: 2)
            var bob = TestClient(seed: 3)
            for index in 0..<10 as Range<UInt64> {
                alice.write(
                    Fixture.attendance(1, index), partition: Fixture.cohort, value: .text("present"),
                    time: Fixture.now - 100 + index)
                bob.write(
                    Fixture.attendance(1, index), partition: Fixture.cohort, value: .text("absent"),
                    time: Fixture.now - 50 + index)
            }
            let aliceBatch = alice.push()
            let bobBatch = bob.push()
            _ = try await store.merge(aliceBatch, from: alice.id)
            let first = try await store.merge(bobBatch, from: bob.id)
            #expect(first.applied == 10 && first.conflicts == 10)
            let knowledge = try await store.knowledge()
            let before = try await content(store)

            let again = try await store.merge(bobBatch, from: bob.id)
            #expect(again == BatchMerger.Report(duplicates: 10))
            let aliceAgain = try await store.merge(aliceBatch, from: alice.id)
            #expect(aliceAgain.duplicates == 10 && aliceAgain.received == 0 && aliceAgain.conflicts == 0)
            #expect(try await store.knowledge() == knowledge)
            #expect(try await content(store) == before)
        }
    }

    @Test(arguments: StoreBackend.available)
    func sequenceGapIsRefusedWithWhereToResume(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var alice = TestClient(seed: 4)
            var bob = TestClient(seed: 5)
            for index in 0..<10 as Range<UInt64> {
                alice.write(
                    Fixture.attendance(2, index), partition: Fixture.cohort, value: .text("late"),
                    time: Fixture.now - 100 + index)
            }
            bob.write(
                Fixture.attendance(3, 1), partition: Fixture.cohort, value: .text("present"), time: Fixture.now - 10)
            _ = try await store.merge(alice.batch(Fixture.cohort, after: 0, through: 5), from: alice.id)

            // Bob's valid stream in the same batch is refused with the gapped one.
            var gapped = alice.batch(Fixture.cohort, after: 7, through: 10)
            let bobs = bob.batch(Fixture.cohort, after: 0, through: 1)
            gapped.changes += bobs.changes
            gapped.ranges += bobs.ranges
            let error = await #expect(throws: FieldbookError.self) { try await store.merge(gapped, from: alice.id) }
            #expect(error?.code == .sequenceGap)
            #expect(error?.resume == StreamRange(stream: alice.stream(Fixture.cohort), after: 5, through: 10))
            let knowledge = try await store.knowledge()
            #expect(knowledge[alice.stream(Fixture.cohort)] == 5)
            #expect(knowledge[bob.stream(Fixture.cohort)] == 0, "nothing of a refused batch is merged")

            let resumed = try await store.merge(alice.batch(Fixture.cohort, after: 5, through: 10), from: alice.id)
            #expect(resumed.applied == 5)
            #expect(try await store.knowledge()[alice.stream(Fixture.cohort)] == 10)

            // A change outside its range is corrupt.
            var corrupt = bob.batch(Fixture.cohort, after: 0, through: 1)
            corrupt.ranges[0].through = 0
            let refused = await #expect(throws: FieldbookError.self) { try await store.merge(corrupt, from: bob.id) }
            #expect(refused?.code == .corrupt)
        }
    }
}

extension BatchMerger.Report {
    init(applied: Int = 0, superseded: Int = 0, duplicates: Int = 0, conflicts: Int = 0, quarantined: Int = 0) {
        self.init()
        self.applied = applied
        self.superseded = superseded
        self.duplicates = duplicates
        self.conflicts = conflicts
        self.quarantined = quarantined
    }
}
