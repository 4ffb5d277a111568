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
///
/// Over https the server's certificate is verified in full (chain and host name) against
/// `trust`; a certificate that fails ends the sync at once (``UnrecoverableTransportError``)
/// with one line saying what was wrong with it, since no retry can mend it.
public final class HTTPSyncTransport: SyncTransport {
    let client: HTTPClient
    let baseURL: String
    let endpoint: String

    /// A transport to the server at `baseURL` (e.g. `https://sync.example.org`).
    ///
    /// - Parameter trust: the authorities an https server's certificate must come from.
    /// - Throws: `.invalidInput` when the URL is not an http(s) URL.
    public init(
        baseURL: String, trust: ServerTrust = .system, connectTimeout: TimeAmount = .seconds(10),
        readTimeout: TimeAmount = .seconds(60)
    ) throws {
        self.baseURL = try Self.validate(baseURL)
        endpoint = self.baseURL + SyncEndpoint.path
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: trust.tlsConfiguration, timeout: .init(connect: connectTimeout, read: readTimeout))
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
        request.headers.replaceOrAdd(name: "User-Agent", value: FieldbookVersion.userAgent)
        request.body = .bytes(ByteBuffer(bytes: body))
        // No total deadline: a round on a slow link may take minutes while bytes still flow.
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .distantFuture)
        } catch {
            guard let refusal = CertificateFailure.refusal(in: error) else { throw error }
            throw UnrecoverableTransportError(error: await describe(refusal))
        }
        try await receive(
            .head(
                status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                location: response.headers.first(name: "Location")))
        for try await chunk in response.body {
            try await receive(.bytes(Array(chunk.readableBytesView)))
        }
    }

    /// The error for a refused certificate, after a look at what the server presents.
    func describe(_ refusal: CertificateFailure.Refusal) async -> FieldbookError {
        let url = URL(string: baseURL)
        let host = url?.host ?? baseURL
        let failure: CertificateFailure
        switch refusal {
        case .hostname: failure = .wrongHost
        case .chain: failure = await CertificateFailure.diagnose(host: host, port: url?.port ?? 443)
        }
        return failure.error(url: baseURL, host: host)
    }

    /// The host a device token would reach unencrypted: the host of an http:// URL that is
    /// not this machine (loopback: `localhost`, 127.0.0.0/8, `::1`); `nil` for https and loopback.
    public static func cleartextHost(_ baseURL: String) -> String? {
        guard let url = URL(string: baseURL), url.scheme?.lowercased() == "http", var host = url.host else {
            return nil
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let lowered = host.lowercased()
        let loopback =
            lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered == "::1"
            || (lowered.hasPrefix("127.") && lowered.split(separator: ".").count == 4
                && lowered.split(separator: ".").allSatisfy { UInt8($0) != nil })
        return loopback ? nil : host
    }

    /// Closes the connection pool. Call once when done.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}
