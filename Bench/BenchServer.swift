import FieldbookCore
import FieldbookServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A sync server running inside the benchmark process on a free loopback port.
final class BenchServer: Sendable {
    let store: any SyncStore
    let service: SyncService
    let url: String
    let token: String
    let serviceGroup: ServiceGroup
    let task: Task<Void, any Error>

    /// Starts a server on the replica file at `path` (created if absent) with an office token.
    convenience init(path: String) async throws {
        try await self.init(store: try SQLiteSyncStore(path: path))
    }

    /// Starts a server on `store` with an office token.
    init(store: any SyncStore) async throws {
        var logger = Logger(label: "fieldbook.bench.server")
        logger.logLevel = .error
        self.store = store
        let service = SyncService(store: store, logger: logger)
        self.service = service
        token = try await Self.issueToken(in: store, scope: .all)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(service: service, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        serviceGroup = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        url = "http://127.0.0.1:\(port)"
    }

    /// A new device token for one more replica (a token binds to the first replica that
    /// syncs with it, as a laptop's does).
    func issueToken(scope: TokenScope = .all) async throws -> String {
        try await Self.issueToken(in: store, scope: scope)
    }

    private static func issueToken(in store: any SyncStore, scope: TokenScope) async throws -> String {
        let deviceToken = DeviceToken.generate()
        try await store.insertToken(
            StoredToken(
                id: deviceToken.id, name: "bench-\(deviceToken.id)", secretHash: deviceToken.secretHash, scope: scope,
                issuedAt: 0))
        return deviceToken.text
    }

    func stop() async {
        await serviceGroup.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
