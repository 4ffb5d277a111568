import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Foundation
import Testing

/// What bad input gets: a wrong URL, host, password or database, a database written by a
/// newer build, a connection lost in the middle of a round.
@Suite(.enabled(if: TestPostgres.enabled, TestPostgres.skipReason))
struct PostgresStartupTests {
    static func connectError(_ url: String) async -> FieldbookError? {
        await #expect(throws: FieldbookError.self) {
            let store = try await PostgresSyncStore.connect(
                url: url, options: .init(maximumConnections: 2, poolExecutor: OffPoolExecutor.postgres))
            await store.close()
        }
    }

    @Test func badURLsFailAtOnceWithOneClearLine() async throws {
        let good = try PostgresEndpoint(url: try await TestPostgres.makeDatabase())
        let port = try ThrowawayCluster.freePort()

        let malformed = await Self.connectError("mysql://localhost/x")
        #expect(malformed?.code == .usage)
        let unreachable = await Self.connectError("postgres://fieldbook@127.0.0.1:\(port)/x?sslmode=disable")
        #expect(unreachable?.code == .unavailable)
        #expect(unreachable?.message.contains("cannot reach PostgreSQL at 127.0.0.1:\(port)") == true)
        let password = await Self.connectError(
            "postgres://\(good.username):wrong@\(good.host):\(good.port)/\(good.database)?sslmode=disable")
        #expect(password?.code == .storage)
        #expect(password?.message.contains("password") == true)
        #expect(password?.message.contains("wrong") == false, "never echo a password")
        let database = await Self.connectError(
            "postgres://\(good.username):\(good.password ?? "")@\(good.host):\(good.port)/no_such_db?sslmode=disable")
        #expect(database?.code == .storage)
        #expect(database?.message.contains("'no_such_db' does not exist") == true)
    }

    @Test func aDatabaseWithANewerSchemaIsRefused() async throws {
        let url = try await TestPostgres.makeDatabase()
        let store = try await PostgresSyncStore.connect(
            url: url, options: .init(poolExecutor: OffPoolExecutor.postgres))
        await store.close()
        try await TestPostgres.execute("UPDATE fb_schema SET version = version + 1", url: url)
        let error = await Self.connectError(url)
        #expect(error?.code == .notAReplica)
        #expect(error?.message.contains("newer than this fieldbook-server") == true)

        // The executable says it in one line and exits non-zero.
        let serve = try Executables.run("fieldbook-server", ["serve", "--postgres", url, "--port", "0"])
        #expect(serve.status == 65)
        #expect(serve.error.split(separator: "\n").count == 1 && serve.error.hasPrefix("fieldbook-server: "))
        let wrong = try Executables.run(
            "fieldbook-server", ["token", "list"],
            environment: [
                "FIELDBOOK_POSTGRES_URL": "postgres://nobody:x@127.0.0.1:\(try ThrowawayCluster.freePort())/x"
            ])
        #expect(wrong.status == 69 && wrong.error.contains("cannot reach PostgreSQL"))
    }

    @Test func aConnectionLostMidRoundMergesNothing() async throws {
        let url = try await TestPostgres.makeDatabase()
        let clock = ManualWallClock(milliseconds: Fixture.now)
        let store = try await PostgresSyncStore.connect(
            url: url,
            options: .init(
                wallClock: clock, maximumConnections: 2, retries: 0, poolExecutor: OffPoolExecutor.postgres))
        var alice = TestClient(seed: 50)
        var bob = TestClient(seed: 51)
        let cell = Fixture.attendance(1, 1)
        alice.write(cell, partition: Fixture.cohort, value: .text("present"), time: Fixture.now - 20)
        _ = try await store.merge(alice.push(), from: alice.id)
        let before = try await content(store)
        // Bob's push conflicts, so its merge takes the replica row's lock to stamp the ledger:
        // hold that lock elsewhere, and kill the merge's connection while it waits.
        bob.write(cell, partition: Fixture.cohort, value: .text("absent"), time: Fixture.now - 10)
        bob.write(Fixture.attendance(1, 2), partition: Fixture.cohort, value: .text("late"), time: Fixture.now - 9)
        let batch = bob.push()
        // The blocker holds the lock until the merge waits for it (however slow the machine:
        // this also runs under ThreadSanitizer, and beside the simulation's PostgreSQL seeds;
        // it gives up after 5 minutes), then kills the waiting connection.
        let blocker = Task {
            try await TestPostgres.execute(
                """
                DO $$ BEGIN
                    PERFORM clock FROM fb_replica FOR UPDATE;
                    FOR attempt IN 1..6000 LOOP
                        EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                            AND pid <> pg_backend_pid() AND wait_event_type = 'Lock');
                        PERFORM pg_sleep(0.05);
                    END LOOP;
                    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock';
                END $$
                """, url: url)
        }
        try await waitUntilSomeoneSleeps(url: url)
        let error = await #expect(throws: FieldbookError.self) { try await store.merge(batch, from: bob.id) }
        #expect(error?.code == .unavailable)
        try await blocker.value
        #expect(try await content(store) == before, "nothing half-merged")
        #expect(try await store.knowledge()[bob.stream(Fixture.cohort)] == 0)

        // The client retries: the round lands whole.
        let report = try await store.merge(batch, from: bob.id)
        #expect(report == BatchMerger.Report(applied: 2, conflicts: 1))
        await store.close()
    }

    /// Waits until a session of the database sleeps in `pg_sleep` (the blocker holds its lock).
    func waitUntilSomeoneSleeps(url: String) async throws {
        for _ in 0..<600 {
            do {
                try await TestPostgres.execute(
                    """
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                            AND wait_event = 'PgSleep') THEN RAISE EXCEPTION 'not yet'; END IF;
                    END $$
                    """, url: url)
                return
            } catch {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        Issue.record("the blocking session never took its lock")
    }
}
