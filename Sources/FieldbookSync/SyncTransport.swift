import FieldbookCore

/// What a transport hands the sync client while an answer arrives: the status line
/// first, then the body in chunks as the network delivers them.
public enum SyncReplyPart: Sendable {
    /// The HTTP status and the `Content-Type` of the answer.
    case head(status: Int, contentType: String?, location: String?)
    /// The next bytes of the body.
    case bytes([UInt8])
}

/// Moves one encoded sync request to the server and streams the answer back.
///
/// The sync client talks only to this protocol, so tests can put an in-process server,
/// a real HTTP connection or a connection-cutting proxy behind it. The answer is handed
/// over as it arrives, so the client commits each frame before the next one is in: a
/// connection that drops keeps everything it delivered whole.
public protocol SyncTransport: Sendable {
    /// Posts `body` to the sync endpoint with the device token and hands each part of the
    /// answer to `receive` as it arrives (the head first, then the body's chunks).
    ///
    /// - Throws: any error for a failure to reach the server or read its answer (the
    ///   client treats those as retryable network failures), ``UnrecoverableTransportError``
    ///   for one no retry can mend, or what `receive` threw.
    func post(_ body: [UInt8], token: String, receive: (SyncReplyPart) async throws -> Void) async throws
}

extension SyncTransport {
    /// Posts `body` and collects the whole answer: for tests and tools that need no streaming.
    public func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8]) {
        var status = 0
        var bytes: [UInt8] = []
        try await post(body, token: token) { part in
            switch part {
            case .head(let code, _, _): status = code
            case .bytes(let chunk): bytes += chunk
            }
        }
        return (status, bytes)
    }
}

/// A failure of the transport that no retry can mend, such as a server certificate the
/// laptop cannot trust: the sync client stops at once with ``error`` instead of backing
/// off and trying again.
public struct UnrecoverableTransportError: Error, Sendable, CustomStringConvertible {
    /// What to tell the user.
    public var error: FieldbookError

    public init(error: FieldbookError) {
        self.error = error
    }

    public var description: String { error.message }
}
