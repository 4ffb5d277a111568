import AsyncHTTPClient
import FieldbookCore
import FieldbookProtocol
import Foundation
import NIOCore
import NIOHTTP1

/// The real transport: HTTP/1.1 POST with AsyncHTTPClient, streaming the answer.
///
/// There is no total deadline on an answer that is still delivering bytes (a slow link
/// may take minutes for a round); a connection on which no byte arrives for the idle
/// timeout is ended (AsyncHTTPClient's read timeout, and the sync client's own
/// watchdog). Redirects are never followed: a captive portal's redirect comes back as
/// what it is, an answer that is not Fieldbook's.
public final class HTTPSyncTransport: SyncTransport {
    let client: HTTPClient
    let endpoint: String

    /// A transport to the server at `baseURL` (e.g. `http://10.0.0.5:8080`).
    ///
    /// - Throws: `.invalidInput` when the URL is not an http(s) URL.
    public init(
        baseURL: String, connectTimeout: TimeAmount = .seconds(10), readTimeout: TimeAmount = .seconds(60)
    ) throws {
        endpoint = try Self.validate(baseURL) + SyncEndpoint.path
        var configuration = HTTPClient.Configuration(timeout: .init(connect: connectTimeout, read: readTimeout))
        configuration.redirectConfiguration = .disallow
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

    public func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: WireFormat.contentType)
        request.headers.add(name: "Accept", value: WireFormat.contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        // No total deadline: a round on a slow link may take minutes while bytes still flow.
        let response = try await client.execute(request, deadline: .distantFuture)
        try await receive(
            .head(
                status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                location: response.headers.first(name: "Location")))
        for try await chunk in response.body {
            try await receive(.bytes(Array(chunk.readableBytesView)))
        }
    }

    /// Closes the connection pool. Call once when done.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
