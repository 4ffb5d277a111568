import FieldbookCore
import FieldbookProtocol
import FieldbookServer
import FieldbookSync
import Foundation
import Synchronization

/// A transport straight into a `SyncService`, without HTTP: the same authenticate /
/// handle / encode steps as `POST /v1/sync`, for tests that drive many rounds fast.
struct ServiceTransport: SyncTransport {
    let service: SyncService

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        let answer = await service.answer(body: body, authorization: "Bearer \(token)")
        try await receive(.head(status: answer.status, contentType: WireFormat.contentType, location: nil))
        try await receive(.bytes(answer.body))
    }
}

/// A transport that answers from a script first, then passes requests on: to test how
/// the client reacts to statuses and failures.
final class ScriptedTransport: SyncTransport {
    /// One scripted answer.
    enum Answer: Sendable {
        /// An HTTP status with an `ErrorMessage` body carrying `code`.
        case error(Int, FieldbookError.Code)
        /// An HTTP status with a body that is not a Fieldbook message (a proxy's page).
        case page(Int, String)
        /// A redirect elsewhere (a captive portal).
        case redirect(String)
        /// A network failure before any answer.
        case networkFailure
    }

    struct NetworkFailure: Error, CustomStringConvertible {
        var description: String { "connection reset by peer" }
    }

    private let script: Mutex<[Answer]>
    private let calls = Mutex(0)
    private let next: (any SyncTransport)?

    init(_ script: [Answer], then next: (any SyncTransport)? = nil) {
        self.script = Mutex(script)
        self.next = next
    }

    /// How many requests the client made.
    var requests: Int { calls.withLock { $0 } }

    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        calls.withLock { $0 += 1 }
        let answer = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch answer {
        case .error(let status, let code)?:
            try await receive(.head(status: status, contentType: WireFormat.contentType, location: nil))
            try await receive(
                .bytes(WireFormat.encode(.error(ErrorMessage(code: code, message: "scripted \(code)")))))
        case .page(let status, let text)?:
            try await receive(.head(status: status, contentType: "text/html; charset=utf-8", location: nil))
            try await receive(.bytes(Array(text.utf8)))
        case .redirect(let location)?:
            try await receive(.head(status: 302, contentType: "text/html", location: location))
        case .networkFailure?:
            throw NetworkFailure()
        case nil:
            guard let next else { throw NetworkFailure() }
            try await next.post(body, token: token, receive: receive)
        }
    }
}

/// Runs `body` with an HTTP transport to `url`, always shutting its client down.
func withHTTPTransport<T>(_ url: String, _ body: (HTTPSyncTransport) async throws -> T) async throws -> T {
    let transport = try HTTPSyncTransport(baseURL: url, connectTimeout: .seconds(5), readTimeout: .seconds(30))
    let result: T
    do {
        result = try await body(transport)
    } catch {
        try? await transport.shutdown()
        throw error
    }
    try await transport.shutdown()
    return result
}
