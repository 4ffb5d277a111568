import FieldbookCore

extension FieldbookError.Code {
    /// The HTTP status a server answers with when it refuses a sync round with this code
    /// (PROTOCOL.md, "Error codes"); the body is an ``ErrorMessage`` with the code itself.
    ///
    /// Clients go by the code in the body, not by the status, which only helps proxies,
    /// logs and people reading them. Codes that never leave a replica (usage, ambiguous…)
    /// still map to a sensible status so a server that leaks one stays well-formed.
    public var httpStatus: Int {
        switch self {
        case .usage, .invalidInput, .ambiguous, .corrupt, .unknownKind: 400
        case .badToken: 401
        case .scopeDenied, .forged: 403
        case .notFound: 404
        case .sequenceGap, .exists: 409
        case .tooLarge: 413
        case .clockSkew: 422
        case .unsupportedVersion: 426
        case .unavailable: 503
        default: 500
        }
    }
}
