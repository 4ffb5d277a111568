import Crypto
import FieldbookCore
import Foundation

/// Office accounts, sessions, the audit log and settings: the console's own tables,
/// with the same statements on both stores.
extension ConsoleStore {
    /// Adds an office account.
    ///
    /// - Throws: `.exists` when the name is taken.
    public func addUser(name: String, role: OfficeRole, passwordHash: String, now: UInt64) async throws {
        guard try await user(named: name) == nil else {
            throw FieldbookError(.exists, "an office user named '\(name)' exists; pick another name")
        }
        try await execute(
            "INSERT INTO fb_console_users (name, role, password_hash, created) VALUES (?, ?, ?, ?)",
            [.text(name), .text(role.rawValue), .text(passwordHash), .integer(Int64(now))])
    }

    /// The account called `name`, if any.
    public func user(named name: String) async throws -> OfficeUser? {
        try await query(
            "SELECT name, role, password_hash, failures, locked_until FROM fb_console_users WHERE name = ?",
            [.text(name)]
        ).first.map { row in
            OfficeUser(
                name: row["name"] ?? "", role: OfficeRole(rawValue: row["role"] ?? "") ?? .viewer,
                passwordHash: row["password_hash"] ?? "", failures: row.int("failures"),
                lockedUntil: UInt64(max(0, row.int("locked_until"))))
        }
    }

    /// Counts a failed sign-in; the ``SignInPolicy/maximumFailures``th locks the account.
    public func recordFailedSignIn(name: String, now: UInt64) async throws {
        try await execute(
            """
            UPDATE fb_console_users SET
                locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END,
                failures = CASE WHEN failures + 1 >= ? THEN 0 ELSE failures + 1 END
            WHERE name = ?
            """,
            [
                .integer(Int64(SignInPolicy.maximumFailures)),
                .integer(Int64(now + SignInPolicy.lockOutMilliseconds)),
                .integer(Int64(SignInPolicy.maximumFailures)), .text(name),
            ])
    }

    /// Clears the failure count after a successful sign-in.
    public func recordSignIn(name: String) async throws {
        try await execute("UPDATE fb_console_users SET failures = 0 WHERE name = ?", [.text(name)])
    }

    /// Starts a session for `user`: a new random 32-byte ID (the cookie's value, never
    /// stored: only its SHA-256 is) and a new CSRF token.
    ///
    /// - Returns: the cookie value, base64url.
    public func startSession(user: String, now: UInt64) async throws -> String {
        let id = SessionSecret.random()
        try await createSession(
            idHash: SessionSecret.hash(id), user: user, csrf: SessionSecret.encode(SessionSecret.random()), now: now)
        return SessionSecret.encode(id)
    }

    /// The session a cookie value names, if it is live.
    public func session(cookie: String, now: UInt64) async throws -> OfficeSession? {
        guard let id = SessionSecret.decode(cookie) else { return nil }
        return try await session(idHash: SessionSecret.hash(id), now: now)
    }

    /// Ends the session a cookie value names.
    public func endSession(cookie: String) async throws {
        guard let id = SessionSecret.decode(cookie) else { return }
        try await deleteSession(idHash: SessionSecret.hash(id))
    }

    /// Stores a new session under the hash of its ID.
    public func createSession(idHash: [UInt8], user: String, csrf: String, now: UInt64) async throws {
        try await execute("DELETE FROM fb_console_sessions WHERE expires < ?", [.integer(Int64(now))])
        try await execute(
            "INSERT INTO fb_console_sessions (id_hash, user_name, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
            [
                .blob(idHash), .text(user), .text(csrf), .integer(Int64(now)),
                .integer(Int64(now + SignInPolicy.sessionMilliseconds)),
            ])
    }

    /// The live session whose ID hashes to `idHash`, with its user's current role.
    public func session(idHash: [UInt8], now: UInt64) async throws -> OfficeSession? {
        try await query(
            """
            SELECT s.user_name, s.csrf, u.role FROM fb_console_sessions s
            JOIN fb_console_users u ON u.name = s.user_name
            WHERE s.id_hash = ? AND s.expires > ?
            """, [.blob(idHash), .integer(Int64(now))]
        ).first.flatMap { row in
            OfficeRole(rawValue: row["role"] ?? "").map {
                OfficeSession(user: row["user_name"] ?? "", role: $0, csrf: row["csrf"] ?? "")
            }
        }
    }

    /// Ends a session.
    public func deleteSession(idHash: [UInt8]) async throws {
        try await execute("DELETE FROM fb_console_sessions WHERE id_hash = ?", [.blob(idHash)])
    }

    /// Records an admin action.
    public func audit(user: String, action: String, detail: String, now: UInt64) async throws {
        try await execute(
            "INSERT INTO fb_console_audit (time, user_name, action, detail) VALUES (?, ?, ?, ?)",
            [.integer(Int64(now)), .text(user), .text(action), .text(detail)])
    }

    /// The newest audit entries first.
    public func auditLog(limit: Int = 500) async throws -> [AuditEntry] {
        try await query(
            "SELECT time, user_name, action, detail FROM fb_console_audit ORDER BY id DESC LIMIT ?",
            [.integer(Int64(limit))]
        ).map { row in
            AuditEntry(
                time: UInt64(max(0, row.int("time"))), user: row["user_name"] ?? "", action: row["action"] ?? "",
                detail: row["detail"] ?? "")
        }
    }

    /// The attendance threshold a programme's participants must reach, percent.
    public static var defaultThreshold: Int { 80 }

    /// Thresholds set by the office, by programme code.
    public func thresholds() async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try await query("SELECT key, value FROM fb_console_settings WHERE key LIKE 'threshold.%'", []) {
            if let key = row["key"], let value = row["value"].flatMap(Int.init) {
                result[String(key.dropFirst("threshold.".count))] = value
            }
        }
        return result
    }

    /// Sets a programme's threshold, percent.
    public func setThreshold(programme: String, percent: Int) async throws {
        try await execute(
            """
            INSERT INTO fb_console_settings (key, value) VALUES (?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, [.text("threshold." + programme), .text(String(percent))])
    }
}
