import FieldbookCore
import FieldbookProtocol
import FieldbookServer
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

    var response: SyncResponse? {
        if case .syncResponse(let response)? = message { return response }
        return nil
    }

    var error: ErrorMessage? {
        if case .error(let error)? = message { return error }
        return nil
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
