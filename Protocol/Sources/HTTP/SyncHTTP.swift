import FieldbookCore

/// How the sync protocol sits on HTTP: the endpoint, the headers, and the status each
/// error code is answered with (see `PROTOCOL.md`, "Errors").
public enum SyncHTTP {
    /// The sync round endpoint.
    public static let syncPath = "/v1/sync"
    /// The health endpoint.
    public static let healthPath = "/v1/health"
    /// The Prometheus metrics endpoint.
    public static let metricsPath = "/metrics"

    /// The HTTP status a refused request is answered with.
    public static func status(for code: FieldbookError.Code) -> Int {
        switch code {
        case .corrupt, .unknownKind, .invalidInput, .usage: 400
        case .badToken: 401
        case .scopeDenied: 403
        case .notFound: 404
        case .sequenceGap, .exists: 409
        case .tooLarge: 413
        case .clockSkew: 422
        case .unsupportedVersion: 426
        case .unavailable: 503
        default: 500
        }
    }

    /// The error code of a status, for a response whose body could not be decoded.
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
