import FieldbookCore
import FieldbookProtocol

extension SyncService {
    /// A round answered in memory.
    public struct InProcessAnswer: Sendable {
        /// 200, the status of a refusal, or 0 when the request was cut short (no answer).
        public var status: Int
        /// The framed answer, or the encoded ErrorMessage.
        public var body: [UInt8]
        /// What the pushed frames that arrived whole did, answered or not.
        public var merged: BatchMerger.Report
    }

    /// One whole round in memory, answered as `POST /v1/sync` answers it: the framed
    /// answer with status 200, or a typed refusal with its HTTP status.
    ///
    /// For in-process transports (tests, the simulation, benchmarks) that need no HTTP;
    /// the route itself streams both ways instead.
    ///
    /// - Parameters:
    ///   - body: the request's frames.
    ///   - authorization: the `Authorization` header.
    ///   - delivered: how many bytes of `body` reach the server (a request cut short
    ///     keeps the frames that arrived whole); `nil` for all.
    public func answer(body: [UInt8], authorization: String?, delivered: Int? = nil) async -> InProcessAnswer {
        var merged = BatchMerger.Report()
        do {
            let token = try await authenticate(authorization: authorization)
            let sent = body.prefix(delivered ?? body.count)
            guard let answer = try await run(sent, token: token, complete: sent.count == body.count, merged: &merged)
            else { return InProcessAnswer(status: 0, body: [], merged: merged) }
            return InProcessAnswer(status: 200, body: answer, merged: merged)
        } catch let error as FieldbookError {
            metrics.error(error.code).increment()
            let message = ErrorMessage(
                code: error.code, message: error.message, resume: error.resume, serverTime: wallClock.milliseconds(),
                supportedFormats: error.code == .unsupportedVersion ? [WireFormat.framedVersion] : [])
            return InProcessAnswer(
                status: error.code.httpStatus, body: WireFormat.encode(.error(message)), merged: merged)
        } catch {
            metrics.error(.internal).increment()
            let message = ErrorMessage(
                code: .internal, message: "the server failed to answer this round; it is safe to retry")
            return InProcessAnswer(status: 500, body: WireFormat.encode(.error(message)), merged: merged)
        }
    }
}
