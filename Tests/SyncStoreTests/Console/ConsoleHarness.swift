import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

/// A sync server with the office console over one store, seeded with
/// ``ConsoleScenario`` and two office accounts, tested in-process.
struct ConsoleHarness: Sendable {
    static let adminName = "li.na"
    static let viewerName = "zhou.viewer"
    static let password = "correct horse battery"

    let backend: StoreBackend
    let test: TestStore
    let store: any ConsoleStore
    let scenario: ConsoleScenario
    let directory: TemporaryDirectory
    /// The console's clock (sessions, lock-out); the store keeps real time so the
    /// laptops' changes are not held back as skewed.
    let clock: ManualWallClock
    let deviceToken: String

    static func make(_ backend: StoreBackend) async throws -> ConsoleHarness {
        let directory = try TemporaryDirectory(prefix: "fieldbook-console")
        let scenario = try ConsoleScenario(folder: directory.url.path)
        let test = try await backend.makeStore()
        try await scenario.push { batch, sender in _ = try await test.store.merge(batch, from: sender) }
        let store = try await ConsoleStores.open(test.store)
        let now = SystemWallClock().milliseconds()
        // Cost 4: the lowest bcrypt allows, so the suite stays fast; the CLI uses 12.
        for (name, role) in [(adminName, OfficeRole.admin), (viewerName, .viewer)] {
            try await store.addUser(
                name: name, role: role, passwordHash: OfficePassword.hash(password, cost: 4), now: now)
        }
        let token = DeviceToken.generate()
        try await test.store.insertToken(
            StoredToken(id: token.id, name: "wang-laptop", secretHash: token.secretHash, scope: .all, issuedAt: now))
        return ConsoleHarness(
            backend: backend, test: test, store: store, scenario: scenario, directory: directory,
            clock: ManualWallClock(now), deviceToken: token.text)
    }

    /// Runs `body` against the application (sync route and console), in process or, with
    /// `.live`, over a real loopback socket; then disposes of the store.
    func run(
        _ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var logger = Logger(label: "fieldbook.test.console")
        logger.logLevel = .critical
        let console = OfficeConsole(store: store, options: .init(wallClock: clock))
        let app = buildApplication(
            service: SyncService(store: test.store, logger: logger), console: console, logger: logger)
        do {
            // The server and its client on a thread of their own (see `offThePool`).
            try await offThePool { try await app.test(setup, body) }
            await test.dispose()
        } catch {
            await test.dispose()
            throw error
        }
    }

    /// Another device token for the test's laptops (a token binds to the first replica
    /// that syncs with it).
    func issueToken(_ name: String) async throws -> String {
        let token = DeviceToken.generate()
        try await test.store.insertToken(
            StoredToken(
                id: token.id, name: name, secretHash: token.secretHash, scope: .all,
                issuedAt: SystemWallClock().milliseconds()))
        return token.text
    }

    /// A harness for each available store, run in turn.
    static func forEach(
        _ backend: StoreBackend, _ body: @Sendable (ConsoleHarness, any TestClientProtocol) async throws -> Void
    )
        async throws
    {
        let harness = try await make(backend)
        try await harness.run { client in try await body(harness, client) }
    }
}
