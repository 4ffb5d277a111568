import FieldbookCore
import FieldbookProtocol
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Builds the sync server: the one function `fieldbook-server serve`, `fieldbook demo`
/// and the tests all call, so they run the same application.
///
/// Routes: `POST /v1/sync` (one sync round), `GET /v1/health`, `GET /metrics`.
///
/// - Parameters:
///   - service: the round logic over a store.
///   - host: the address to bind, `127.0.0.1` by default.
///   - port: the port; 0 picks a free one, reported to `onServerRunning`.
///   - console: the office console, served at the root URL; `nil` for none.
///   - tls: the certificate and key to answer HTTPS with; `nil` for plain HTTP.
///   - onServerRunning: called with the bound port once the server accepts connections.
public func buildApplication(
    service: SyncService, console: OfficeConsole? = nil, tls: ServerTLS? = nil, host: String = "127.0.0.1",
    port: Int = 8080, logger: Logger = Logger(label: "fieldbook.server"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    var observed = service
    if let console, observed.roundObserver == nil { observed.roundObserver = ConsoleRoundLog(store: console.store) }
    let service = observed
    let router = Router()
    router.get(RouterPath(SyncHTTP.healthPath)) { _, _ -> Response in
        let body = "{\"status\":\"ok\",\"replica\":\"\(service.store.replicaID)\"}\n"
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    router.get(RouterPath(SyncHTTP.metricsPath)) { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: service.metrics.render())))
    }
    router.post(RouterPath(SyncEndpoint.path)) { request, _ -> Response in
        var round: SyncRound?
        do {
            let token = try await service.authenticate(authorization: request.headers[.authorization])
            if let length = request.headers[.contentLength].flatMap({ Int($0) }),
                length > service.limits.maxRequestBytes
            {
                throw FieldbookError(
                    .tooLarge,
                    "request is larger than \(service.limits.maxRequestBytes) bytes; sync with a smaller --round-bytes")
            }
            round = service.startRound(token: token)
            do {
                for try await chunk in request.body {
                    service.metrics.bytesIn.increment(by: Int64(chunk.readableBytes))
                    try await round!.receive(chunk.readableBytesView)
                }
            } catch let error as FieldbookError {
                round?.endReading()
                throw error
            } catch {
                round?.endReading()
                // The client went away in the middle of its push: the frames that arrived
                // whole are merged; there is no one to answer.
                logger.notice(
                    "sync request cut short",
                    metadata: ["device": "\(token.name)", "frames": "\(round?.framesReceived ?? 0)"])
                throw error
            }
            let answer = try await round!.finish()
            await service.observe(round!, userAgent: request.headers[.userAgent])
            return Response(
                status: .ok, headers: [.contentType: WireFormat.contentType],
                body: ResponseBody { writer in
                    try await answer.stream { frame in try await writer.write(ByteBuffer(bytes: frame)) }
                    try await writer.finish(nil)
                })
        } catch let error as FieldbookError {
            service.metrics.error(error.code).increment()
            logger.notice(
                "sync refused",
                metadata: [
                    "code": "\(error.code)", "reason": "\(error.message)",
                    "frames merged": "\(round?.framesReceived ?? 0)",
                ])
            return encoded(
                .error(
                    ErrorMessage(
                        code: error.code, message: error.message, resume: error.resume,
                        serverTime: service.wallClock.milliseconds(),
                        supportedFormats: error.code == .unsupportedVersion ? [WireFormat.framedVersion] : [])),
                status: HTTPResponse.Status(code: error.code.httpStatus), metrics: service.metrics)
        } catch {
            service.metrics.error(.internal).increment()
            logger.error("sync failed", metadata: ["error": "\(error)"])
            return encoded(
                .error(
                    ErrorMessage(
                        code: .internal, message: "the server failed to answer this round; it is safe to retry")),
                status: .internalServerError, metrics: service.metrics)
        }
    }
    console?.addRoutes(to: router)
    let http1 = HTTP1Channel.Configuration(idleTimeout: ConnectionTimeouts.idle)
    return Application(
        router: router, server: tls?.serverBuilder(http1) ?? .http1(configuration: http1),
        configuration: .init(address: .hostname(host, port: port), serverName: "fieldbook"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
}

private func encoded(_ message: Message, status: HTTPResponse.Status, metrics: ServerMetrics) -> Response {
    let bytes = WireFormat.encode(message)
    metrics.bytesOut.increment(by: Int64(bytes.count))
    return Response(
        status: status, headers: [.contentType: WireFormat.contentType],
        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
