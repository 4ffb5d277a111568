/// Moves one encoded sync request to the server and brings back the answer.
///
/// The sync client talks only to this protocol, so tests can put an in-process server,
/// a real HTTP connection or a connection-cutting proxy behind it.
public protocol SyncTransport: Sendable {
    /// Posts `body` to the sync endpoint with the device token.
    ///
    /// - Returns: the HTTP status and the response body.
    /// - Throws: any error for a failure to reach the server or read its answer; the
    ///   client treats those as retryable network failures.
    func post(_ body: [UInt8], token: String) async throws -> (status: Int, body: [UInt8])
}
