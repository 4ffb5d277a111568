import FieldbookServer
import FieldbookSync
import Hummingbird
import Logging
import ServiceLifecycle

/// The real HTTP server of `fieldbook-server serve` (``buildApplication``: router, token
/// check, the request body streamed frame by frame, framed answers) on a loopback port,
/// and the real client transport (`HTTPSyncTransport`, AsyncHTTPClient) posting to it.
///
/// The simulation still decides every fault itself; only the bytes travel over TCP. A
/// request its scheduler cuts short is sent as a whole request whose body stops at the
/// cut: the server merges the frames that arrived whole and refuses the rest, as it does
/// when a connection drops mid-body, but it is done before the scheduler moves on, so a
/// run still replays exactly from its seed. (A connection that really drops mid-body is
/// `.ci/chaos-net`'s case.)
final class LoopbackServer: Sendable {
    private let transport: HTTPSyncTransport
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(transport: HTTPSyncTransport, group: ServiceGroup, running: Task<Void, any Error>) {
        self.transport = transport
        self.group = group
        self.running = running
    }

    /// Starts serving `service` on a free loopback port and returns once it accepts connections.
    static func start(_ service: SyncService, logger: Logger) async throws -> LoopbackServer {
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(service: service, port: 0, logger: logger) { port in bound.yield(port) }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            running.cancel()
            throw SimulationFailure(description: "the loopback server did not start")
        }
        let transport = try HTTPSyncTransport(baseURL: "http://127.0.0.1:\(port)")
        return LoopbackServer(transport: transport, group: group, running: running)
    }

    /// Posts one round's request and reads the whole answer.
    func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        var status = 0
        var answer: [UInt8] = []
        try await transport.post(body, token: token) { part in
            switch part {
            case .head(let code, _, _): status = code
            case .bytes(let bytes): answer += bytes
            }
        }
        return (status, answer)
    }

    /// Stops accepting rounds and closes the client's connections.
    func stop() async {
        try? await transport.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}
