import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Testing

/// The same seeded pushes into the SQLite store and the PostgreSQL store leave the same
/// content: the same changes (as sets of stream, sequence, cell, value, stamp, prev), the
/// same vectors, the same quarantine, and each push answered the same way.
@Suite(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct ConvergenceTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomPushesGiveTheSameContentInBothStores(seed: UInt64) async throws {
        let sqliteClock = ManualWallClock(milliseconds: Fixture.now)
        let postgresClock = ManualWallClock(milliseconds: Fixture.now)
        let sqlite = try await StoreBackend.sqlite.makeStore(wallClock: sqliteClock)
        let postgres = try await StoreBackend.postgres.makeStore(wallClock: postgresClock)
        defer {
            Task {
                await sqlite.dispose()
                await postgres.dispose()
            }
        }
        var pushes = RandomPushes(seed: seed)
        for step in 0..<120 {
            let held = try await sqlite.store.knowledge()
            let operation = pushes.next(held: held)
            for clock in [sqliteClock, postgresClock] { clock.set(pushes.time) }
            switch operation {
            case .tick(let milliseconds):
                pushes.time += milliseconds
            case .release:
                let expected = try await sqlite.store.releaseQuarantine(origin: nil)
                let actual = try await postgres.store.releaseQuarantine(origin: nil)
                #expect(actual == expected, "seed \(seed), step \(step): release")
            case .push(let client, let batch):
                let sender = pushes.clients[client].id
                let expected = await Result { try await sqlite.store.merge(batch, from: sender) }
                let actual = await Result { try await postgres.store.merge(batch, from: sender) }
                switch (expected, actual) {
                case (.success(let expected), .success(let actual)):
                    #expect(actual == expected, "seed \(seed), step \(step): reports differ")
                case (.failure(let expected as FieldbookError), .failure(let actual as FieldbookError)):
                    #expect(
                        actual.code == expected.code && actual.resume == expected.resume, "seed \(seed), step \(step)")
                default:
                    Issue.record("seed \(seed), step \(step): SQLite \(expected), PostgreSQL \(actual)")
                }
            }
        }
        let expected = try await content(sqlite.store)
        let actual = try await content(postgres.store)
        #expect(expected.count > 200, "seed \(seed): the run merged little")
        #expect(expected.contains { $0.change.origin == Normalized.server }, "seed \(seed): no ledger entry")
        #expect(actual.subtracting(expected).isEmpty, "seed \(seed): only in PostgreSQL")
        #expect(expected.subtracting(actual).isEmpty, "seed \(seed): only in SQLite")
        #expect(
            normalized(try await postgres.store.knowledge(), postgres.store.replicaID)
                == normalized(try await sqlite.store.knowledge(), sqlite.store.replicaID), "seed \(seed)")
        #expect(
            Set(try await postgres.store.quarantined()) == Set(try await sqlite.store.quarantined()), "seed \(seed)")
    }

    func normalized(_ knowledge: Knowledge, _ server: ReplicaID) -> Knowledge {
        var result = Knowledge()
        for stream in knowledge.streams {
            let origin = stream.origin == server ? Normalized.server : stream.origin
            result[StreamID(partition: stream.partition, origin: origin)] = knowledge[stream]
        }
        return result
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
