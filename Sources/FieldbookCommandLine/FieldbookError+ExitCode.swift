import FieldbookCore

extension FieldbookError.Code {
    /// The sysexits(3) code both command-line tools exit with for this error.
    ///
    /// | code | when |
    /// | --- | --- |
    /// | 64 (usage) | a bad or missing argument |
    /// | 65 (data) | invalid or corrupt input, an unknown or ambiguous ID, a foreign file, a bundle that does not fit |
    /// | 66 (no input) | a missing replica, file or row |
    /// | 69 (unavailable) | the server cannot be reached, answers with something not Fieldbook's, or shows an https certificate the laptop cannot trust |
    /// | 73 (can't create) | a replica or token exists already |
    /// | 74 (I/O) | the database is read-only, busy or the disk is full |
    /// | 77 (permission) | a bad, revoked or out-of-scope token; changes not what their origin signed |
    /// | 1 | anything else |
    public var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .invalidInput, .ambiguous, .corrupt, .unsupportedVersion, .notAReplica, .tooLarge, .unknownKind,
            .sequenceGap:
            65
        case .notFound: 66
        case .unavailable: 69
        case .exists: 73
        case .storage: 74
        case .badToken, .scopeDenied, .forged: 77
        default: 1
        }
    }
}
