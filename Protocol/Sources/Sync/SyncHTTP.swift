import FieldbookCore

/// The server's other endpoints, and reading an error code back from a bare status.
public enum SyncHTTP {
    /// The health endpoint.
    public static let healthPath = "/v1/health"
    /// The Prometheus metrics endpoint.
    public static let metricsPath = "/metrics"

    /// The error code of a status, for an error response whose body could not be decoded
    /// (a proxy's error page, a truncated body): the inverse of
    /// ``FieldbookCore/FieldbookError/Code/httpStatus``.
    public static func code(forStatus status: Int) -> FieldbookError.Code {
        switch status {
        case 400: .corrupt
        case 401: .badToken
        case 403: .scopeDenied
        case 409: .sequenceGap
        case 413: .tooLarge
        case 422: .clockSkew
        case 426: .unsupportedVersion
        case 502, 503, 504: .unavailable
        default: .internal
        }
    }
}
