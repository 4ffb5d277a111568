import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookTestSupport
import Testing

/// Changes stamped too far ahead: held back, listed, cleared when they come again with
/// a fixed clock, or released by the office.
@Suite struct SyncStoreQuarantineTests {
    static let ahead = Fixture.now + 10 * 60 * 1000

    @Test(arguments: StoreBackend.available)
    func skewedChangesWaitAndAreClearedByARestampedPush(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var fast = TestClient(seed: 30)
            fast.write(
                Fixture.attendance(1, 1), partition: Fixture.cohort, value: .text("present"), time: Fixture.now - 10)
            for index in 2..<5 as Range<UInt64> {
                fast.write(
                    Fixture.attendance(1, index), partition: Fixture.cohort, value: .text("late"),
                    time: Self.ahead + index)
            }
            let stream = fast.stream(Fixture.cohort)
            let report = try await store.merge(fast.push(), from: fast.id)
            #expect(report == BatchMerger.Report(applied: 1, quarantined: 3))
            #expect(try await store.knowledge()[stream] == 1)
            #expect(try await store.quarantinedStarts(origin: fast.id) == [StreamStart(stream: stream, sequence: 2)])
            #expect(try await store.quarantinedStarts(origin: TestClient(seed: 31).id).isEmpty)
            let held = try await store.quarantined()
            #expect(held.map(\.change.sequence) == [2, 3, 4])
            #expect(held.allSatisfy { $0.reason.hasPrefix("clock ahead") && $0.receivedAt == Fixture.now })
            #expect(try await allChanges(store).filter { $0.origin == fast.id }.count == 1)

            // The clock is fixed: same sequences, new stamps.
            fast.restamp(Fixture.cohort, from: 2, time: Fixture.now - 5)
            let again = try await store.merge(fast.batch(Fixture.cohort, after: 1, through: 4), from: fast.id)
            #expect(again == BatchMerger.Report(applied: 3))
            #expect(try await store.knowledge()[stream] == 4)
            #expect(try await store.quarantined().isEmpty)
            #expect(try await store.quarantinedStarts(origin: fast.id).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func theOfficeReleasesQuarantinedChangesAsTheyAre(_ backend: StoreBackend) async throws {
        try await withStore(backend, wallClock: ManualWallClock(milliseconds: Fixture.now)) { store in
            var fast = TestClient(seed: 32)
            var other = TestClient(seed: 33)
            for index in 1..<4 as Range<UInt64> {
                fast.write(
                    Fixture.attendance(2, index), partition: Fixture.cohort, value: .text("absent"),
                    time: Self.ahead + index)
                other.write(
                    Fixture.attendance(3, index), partition: Fixture.cohort, value: .text("late"),
                    time: Self.ahead + index)
            }
            _ = try await store.merge(fast.push(), from: fast.id)
            _ = try await store.merge(other.push(), from: other.id)
            #expect(try await store.quarantined().count == 6)

            let released = try await store.releaseQuarantine(origin: fast.id)
            #expect(released.applied == 3)
            let knowledge = try await store.knowledge()
            #expect(knowledge[fast.stream(Fixture.cohort)] == 3 && knowledge[other.stream(Fixture.cohort)] == 0)
            #expect(try await store.quarantined().map(\.change.origin) == Array(repeating: other.id, count: 3))
            let everything = try await store.releaseQuarantine(origin: nil)
            #expect(everything.applied == 3)
            #expect(try await store.quarantined().isEmpty)
            #expect(
                Set(try await allChanges(store).filter { $0.stamp.time.milliseconds > Fixture.now }.map(\.origin)) == [
                    fast.id, other.id,
                ])
        }
    }
}
