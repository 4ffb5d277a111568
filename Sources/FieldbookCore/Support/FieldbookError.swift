/// The one error type of Fieldbook: an extensible code, a message for people, and the
/// underlying cause when there is one.
///
/// Codes are stable (they travel in the wire protocol and map to HTTP statuses and
/// CLI exit codes at the edges); messages say what went wrong and what to do, in one
/// line, and never carry a stack trace or a raw SQLite code.
public struct FieldbookError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public var code: Code
    /// One line for the person at the keyboard: the problem and what to do.
    public var message: String
    /// For a sequence gap: where the peer must resume the stream.
    public var resume: StreamRange?
    /// The error this one translates, if any.
    public var underlying: (any Error)?

    /// An error from its parts.
    public init(_ code: Code, _ message: String, resume: StreamRange? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.resume = resume
        self.underlying = underlying
    }

    public var description: String { message }

    /// A stable error code. New codes may appear; an older peer treats an unknown code
    /// as ``internal``.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// Bad command-line usage or arguments.
        public static let usage = Code(rawValue: 1)
        /// Input data is invalid (bad TRN, date, status, CSV row…).
        public static let invalidInput = Code(rawValue: 2)
        /// A named thing does not exist (ID prefix, file, replica).
        public static let notFound = Code(rawValue: 3)
        /// An ID prefix matches more than one row.
        public static let ambiguous = Code(rawValue: 4)
        /// A bundle or message is malformed, truncated or corrupt.
        public static let corrupt = Code(rawValue: 5)
        /// The peer speaks a protocol or schema version this build cannot read.
        public static let unsupportedVersion = Code(rawValue: 6)
        /// The file is not a Fieldbook replica, or its schema is newer than this build.
        public static let notAReplica = Code(rawValue: 7)
        /// A stream in the batch starts above what the receiver holds.
        public static let sequenceGap = Code(rawValue: 8)
        /// The sender's clock is too far ahead.
        public static let clockSkew = Code(rawValue: 9)
        /// The device token is missing, unknown or revoked.
        public static let badToken = Code(rawValue: 10)
        /// The token does not open a partition the request touched.
        public static let scopeDenied = Code(rawValue: 11)
        /// The request or batch is larger than allowed.
        public static let tooLarge = Code(rawValue: 12)
        /// The peer cannot be reached.
        public static let unavailable = Code(rawValue: 13)
        /// The database cannot be opened or written (path, permissions, disk).
        public static let storage = Code(rawValue: 14)
        /// The replica exists already.
        public static let exists = Code(rawValue: 15)
        /// A message kind this build does not know.
        public static let unknownKind = Code(rawValue: 16)
        /// A change or range is not provably from its origin: its signature is missing,
        /// wrong, or covers other content.
        public static let forged = Code(rawValue: 17)
        /// Anything else: a bug, or a failure with no better code.
        public static let `internal` = Code(rawValue: 99)

        public var description: String {
            switch self {
            case .usage: "usage"
            case .invalidInput: "invalid-input"
            case .notFound: "not-found"
            case .ambiguous: "ambiguous"
            case .corrupt: "corrupt"
            case .unsupportedVersion: "unsupported-version"
            case .notAReplica: "not-a-replica"
            case .sequenceGap: "sequence-gap"
            case .clockSkew: "clock-skew"
            case .badToken: "bad-token"
            case .scopeDenied: "scope-denied"
            case .tooLarge: "too-large"
            case .unavailable: "unavailable"
            case .storage: "storage"
            case .exists: "exists"
            case .unknownKind: "unknown-kind"
            case .forged: "forged"
            default: "internal(\(rawValue))"
            }
        }
    }
}
