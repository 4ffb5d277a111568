import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookStore
import FieldbookTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting

/// How a route test reaches the application: straight into the router, or over a real
/// loopback socket.
enum Setup: String, CaseIterable, Sendable, CustomStringConvertible {
    case router, live

    var testing: TestingSetup { self == .router ? .router : .live }
    var description: String { rawValue }
}

/// What `POST /v1/sync` answered.
struct SyncAnswer: Sendable {
    var status: Int
    var contentType: String?
    var body: [UInt8]

    /// The body as a Fieldbook message, or `nil` when it is not one.
    var message: Message? { try? WireFormat.decode(body) }

    /// A framed 200 answer read whole and folded into one response: the head's fields,
    /// every frame's changes, each stream's ranges joined, and the end's `hasMore`.
    var response: SyncResponse? {
        guard status == 200 else { return nil }
        var reader = FrameReader()
        reader.append(body)
        var head: RoundHead?
        var end: RoundEnd?
        var changes: [Change] = []
        var ranges: [StreamRange] = []
        while let frame = try? reader.next() {
            switch frame {
            case .roundHead(let first): head = first
            case .changes(let batch):
                changes += batch.changes
                for range in batch.ranges {
                    if let index = ranges.firstIndex(where: { $0.stream == range.stream && $0.through == range.after })
                    {
                        ranges[index].through = range.through
                    } else {
                        ranges.append(range)
                    }
                }
            case .roundEnd(let last): end = last
            default: return nil
            }
        }
        guard let head, let end, reader.pendingBytes == 0 else { return nil }
        return SyncResponse(
            server: head.server, serverTime: head.serverTime, knowledge: head.knowledge, accepted: head.accepted,
            quarantined: head.quarantined, batch: ChangeBatch(changes: changes, ranges: ranges), hasMore: end.hasMore,
            writablePartitions: head.writablePartitions)
    }

    var error: ErrorMessage? {
        if case .error(let error)? = message { return error }
        return nil
    }
}

/// A request a test sends as a framed round (format version 3): a RoundOpen with its
/// fields, then its batch as one Changes frame (none when empty), signed by `signer` (the
/// replica that made it) as the real client signs, or unsigned when it is `nil`.
@dynamicMemberLookup
struct TestRequest: Sendable {
    var request: SyncRequest
    var signer: ReplicaStore?

    subscript<T>(dynamicMember path: KeyPath<SyncRequest, T>) -> T { request[keyPath: path] }

    var framed: [UInt8] { framed(compressionLevel: 6) }

    func framed(compressionLevel: Int32) -> [UInt8] {
        let open = RoundOpen(
            schemaVersion: request.schemaVersion, replica: request.replica, clientTime: request.clientTime,
            knowledge: request.knowledge, roundBytes: request.maxResponseBytes,
            publicKey: try! signer?.signingKey().publicKey)
        let batch = try! signer.map { try $0.proving(request.batch) } ?? request.batch
        return WireFormat.frame(.roundOpen(open), compressionLevel: compressionLevel)
            + (batch.isEmpty ? [] : WireFormat.frame(.changes(batch), compressionLevel: compressionLevel))
    }
}

extension TestClientProtocol {
    /// Posts a body to the sync endpoint with an `Authorization` header (if any).
    func postSync(_ body: [UInt8], authorization: String?) async throws -> SyncAnswer {
        var headers: HTTPFields = [.contentType: WireFormat.contentType]
        if let authorization { headers[.authorization] = authorization }
        return try await execute(
            uri: SyncEndpoint.path, method: .post, headers: headers, body: ByteBuffer(bytes: body)
        ) { response in
            SyncAnswer(
                status: Int(response.status.code), contentType: response.headers[.contentType],
                body: Array(response.body.readableBytesView))
        }
    }

    /// Posts a body with a bearer token.
    func postSync(_ body: [UInt8], token: String) async throws -> SyncAnswer {
        try await postSync(body, authorization: "Bearer \(token)")
    }

    /// `GET path` as text.
    func getText(_ path: String) async throws -> (status: Int, contentType: String?, text: String) {
        try await execute(uri: path, method: .get) { response in
            (Int(response.status.code), response.headers[.contentType], String(buffer: response.body))
        }
    }
}

/// The application `fieldbook-server serve` runs, over a test backend.
func application(_ backend: ServerBackend) -> some ApplicationProtocol {
    buildApplication(service: backend.service, host: "127.0.0.1", port: 0, logger: ServerBackend.quietLogger)
}

extension ApplicationProtocol {
    /// `test(_:_:)` with the server and its client on a thread of their own, so blocking
    /// work elsewhere in the test process cannot time the client out (see `OffPoolExecutor`).
    func testOffThePool<Value>(
        _ setup: TestingSetup, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await offThePool { try await self.test(setup, test) }
    }
}

/// The Prometheus samples of a `/metrics` text: series (name and labels) to value.
func prometheusSamples(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            continue
        }
        samples[String(line[..<space])] = value
    }
    return samples
}
