import FieldbookCore

/// A typed error on the wire: the server's answer to a request it refused.
///
/// Nothing from a refused request was merged. The HTTP status mirrors ``code``; the
/// body says exactly what went wrong and what to do.
public struct ErrorMessage: Hashable, Sendable {
    /// The error code (``FieldbookCore/FieldbookError/Code``); unknown codes read as internal.
    public var code: FieldbookError.Code
    /// One line for the person at the keyboard.
    public var message: String
    /// For a sequence gap: the stream and the sequence the receiver holds, to resume after.
    public var resume: StreamRange?
    /// The server's physical clock, Unix milliseconds (for clock-skew errors).
    public var serverTime: UInt64
    /// For `unsupportedVersion`: the envelope format versions the server reads, so the
    /// client can tell "upgrade me" from "the server is older than me".
    public var supportedFormats: [UInt8]
    /// For `unsupportedVersion`: the data schema versions the server accepts.
    public var supportedSchemas: ClosedRange<UInt32>?

    /// An error message from its parts.
    public init(
        code: FieldbookError.Code, message: String, resume: StreamRange? = nil, serverTime: UInt64 = 0,
        supportedFormats: [UInt8] = [], supportedSchemas: ClosedRange<UInt32>? = nil
    ) {
        self.code = code
        self.message = message
        self.resume = resume
        self.serverTime = serverTime
        self.supportedFormats = supportedFormats
        self.supportedSchemas = supportedSchemas
    }

    /// The message as a ``FieldbookError``.
    public var error: FieldbookError { FieldbookError(code, message, resume: resume) }
}
