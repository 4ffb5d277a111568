import AsyncHTTPClient
import FieldbookCore
import FieldbookProtocol
import Foundation
import NIOCore
import NIOHTTP1

/// The real transport: HTTP/1.1 POST with AsyncHTTPClient, with connect and read
/// timeouts so a dead link fails fast instead of hanging the facilitator's terminal.
public final class HTTPSyncTransport: SyncTransport {
    let client: HTTPClient
    let endpoint: String
    let maxResponseBytes: Int
    let requestTimeout: TimeAmount

    /// A transport to the server at `baseURL` (e.g. `http://10.0.0.5:8080`).
    ///
    /// - Throws: `.invalidInput` when the URL is not an http(s) URL.
    public init(
        baseURL: String, connectTimeout: TimeAmount = .seconds(10), readTimeout: TimeAmount = .seconds(60),
        maxResponseBytes: Int = 64 << 20
    ) throws {
        endpoint = try Self.validate(baseURL) + SyncEndpoint.path
        self.maxResponseBytes = maxResponseBytes
        requestTimeout = readTimeout + connectTimeout
        var configuration = HTTPClient.Configuration(timeout: .init(connect: connectTimeout, read: readTimeout))
        // SyncClient retries with backoff; AsyncHTTPClient's own retrying of a refused
        // connection would hold every attempt for the whole connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The base URL without trailing slashes.
    ///
    /// - Throws: `.invalidInput` when it is not an http(s) URL with a host.
    public static func validate(_ baseURL: String) throws -> String {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw FieldbookError(.invalidInput, "server URL '\(baseURL)' is not an http:// or https:// URL")
        }
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    public func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: WireFormat.contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: requestTimeout)
        let buffer = try await response.body.collect(upTo: maxResponseBytes)
        return (Int(response.status.code), Array(buffer.readableBytesView))
    }

    /// Closes the connection pool. Call once when done.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
