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

    func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        do {
            let stored = try await service.authenticate(authorization: "Bearer \(token)")
            let response = try await service.handle(body: body, token: stored)
            return (200, WireFormat.encode(.syncResponse(response)))
        } catch let error as FieldbookError {
            let message = ErrorMessage(code: error.code, message: error.message, resume: error.resume)
            return (error.code.httpStatus, WireFormat.encode(.error(message)))
        }
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

    func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        calls.withLock { $0 += 1 }
        let answer = script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch answer {
        case .error(let status, let code)?:
            return (status, WireFormat.encode(.error(ErrorMessage(code: code, message: "scripted \(code)"))))
        case .page(let status, let text)?:
            return (status, Array(text.utf8))
        case .networkFailure?:
            throw NetworkFailure()
        case nil:
            guard let next else { throw NetworkFailure() }
            return try await next.post(body, token: token)
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
