import FieldbookCore
import FieldbookServer
import FieldbookTestSupport
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A real sync server on a free loopback port in this process, run by a `ServiceGroup`
/// and stopped gracefully, as `fieldbook demo` and the benchmarks run theirs.
final class TestServer: Sendable {
    let backend: ServerBackend
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The base URL clients use.
    var url: String { "http://127.0.0.1:\(port)" }

    private init(backend: ServerBackend, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.backend = backend
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts a server on port 0 and waits until it accepts connections.
    static func start(backend: ServerBackend) async throws -> TestServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(
            service: backend.service, host: "127.0.0.1", port: 0, logger: ServerBackend.quietLogger
        ) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: ServerBackend.quietLogger))
        // On a thread of its own, so blocking work elsewhere in the test process cannot
        // keep it from answering (see `OffPoolExecutor`).
        let task = Task(executorPreference: OffPoolExecutor(label: "fieldbook.test.server")) {
            // If the server fails to start, end the port stream so the caller doesn't wait forever.
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw FieldbookError(.internal, "the test server stopped before it listened")
        }
        return TestServer(backend: backend, port: port, group: group, task: task)
    }

    /// Stops accepting connections, lets rounds in flight finish, and waits for the end.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// Runs `body` with a fresh server on a loopback port, stopping it gracefully afterwards
/// (also when `body` throws).
func withTestServer<T>(
    limits: SyncService.Limits = .init(), wallClock: any WallClock = SystemWallClock(),
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let server = try await TestServer.start(backend: try ServerBackend(limits: limits, wallClock: wallClock))
    let result: T
    do {
        result = try await body(server)
    } catch {
        try? await server.stop()
        throw error
    }
    try await server.stop()
    return result
}
