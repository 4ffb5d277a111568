import FieldbookCore

/// What an office account may do in the console.
public enum OfficeRole: String, Sendable, Hashable, CaseIterable {
    /// Reads every page and export.
    case viewer
    /// Also resolves conflicts, issues and revokes tokens, releases quarantine and sets thresholds.
    case admin
}

/// An office account, as stored: the password only as a bcrypt hash.
public struct OfficeUser: Sendable, Hashable {
    public var name: String
    public var role: OfficeRole
    /// The bcrypt hash (`$2b$…`), never the password.
    public var passwordHash: String
    /// Failed sign-ins since the last success or lock-out.
    public var failures: Int
    /// Until when sign-in is refused (Unix milliseconds; 0: not locked).
    public var lockedUntil: UInt64
}

/// A signed-in office user's session, as the handlers see it.
public struct OfficeSession: Sendable, Hashable {
    public var user: String
    public var role: OfficeRole
    /// The token every form of this session carries, checked on every POST.
    public var csrf: String

    /// Whether the user may change anything.
    public var isAdmin: Bool { role == .admin }
}

/// One line of the audit log.
public struct AuditEntry: Sendable, Hashable {
    /// Unix milliseconds.
    public var time: UInt64
    public var user: String
    /// What was done, e.g. `conflict.resolve`.
    public var action: String
    /// On what, in words.
    public var detail: String
}

/// The console's rules for sign-in.
public enum SignInPolicy {
    /// Failed sign-ins in a row that lock an account.
    public static let maximumFailures = 5
    /// How long a lock-out lasts.
    public static let lockOutMilliseconds: UInt64 = 15 * 60 * 1000
    /// How long a session lasts without signing in again.
    public static let sessionMilliseconds: UInt64 = 12 * 60 * 60 * 1000
}
