import FieldbookCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The office console: server-rendered pages at the server's root URL, over either store.
///
/// ```swift
/// let console = try OfficeConsole(store: SQLiteConsoleStore(store: sqlite))
/// let app = buildApplication(service: service, console: console)
/// ```
///
/// Every page and export needs an office session (a cookie set at sign-in); device
/// tokens open the sync route only. Every POST carries the session's CSRF token.
public struct OfficeConsole: Sendable {
    /// How the console behaves.
    public struct Options: Sendable {
        /// Mark the session cookie `Secure` (the console is served over https, by this
        /// server or a reverse proxy). Requests with `X-Forwarded-Proto: https` get it anyway.
        public var secureCookies: Bool
        /// Where time comes from (sessions, lock-out, audit).
        public var wallClock: any WallClock
        /// Days without a change from a laptop before the overview counts it as behind.
        public var staleDays: Int

        public init(secureCookies: Bool = false, wallClock: any WallClock = SystemWallClock(), staleDays: Int = 7) {
            self.secureCookies = secureCookies
            self.wallClock = wallClock
            self.staleDays = staleDays
        }
    }

    /// The session cookie's name.
    static let sessionCookie = "fb_session"
    /// The cookie that binds the sign-in form to the browser that fetched it.
    static let signInCookie = "fb_signin"

    public let store: any ConsoleStore
    public let options: Options
    let renderer = ConsoleRenderer()

    public init(store: any ConsoleStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    /// Adds the console's route collections to the server's router.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: ConsoleStylesheet.css)))
        }
        router.addRoutes(ConsoleSignInRoutes(console: self).collection())
        router.addRoutes(ConsoleRegisterRoutes(console: self).collection())
        router.addRoutes(ConsoleConflictRoutes(console: self).collection())
        router.addRoutes(ConsoleDeviceRoutes(console: self).collection())
        router.addRoutes(ConsoleExportRoutes(console: self).collection())
    }

    /// A route collection whose errors become console pages.
    func makeCollection() -> RouteCollection<BasicRequestContext> {
        RouteCollection(context: BasicRequestContext.self).add(
            middleware: ConsoleErrorMiddleware<BasicRequestContext>(renderer: renderer))
    }

    var now: UInt64 { options.wallClock.milliseconds() }

    // MARK: Sessions

    /// The signed-in user of a request.
    ///
    /// - Throws: ``ConsoleError/signInRequired(_:)`` without a live session (a device
    ///   token in `Authorization` is no session).
    func session(_ request: Request) async throws -> OfficeSession {
        guard let cookie = request.cookies[Self.sessionCookie],
            let session = try await store.session(cookie: cookie.value, now: now)
        else { throw ConsoleError.signInRequired(request) }
        return session
    }

    /// The session of an admin.
    func adminSession(_ request: Request) async throws -> OfficeSession {
        let session = try await session(request)
        guard session.isAdmin else { throw ConsoleError.adminOnly }
        return session
    }

    /// A POSTed form's fields, after checking its CSRF token against `expected`.
    ///
    /// - Throws: ``ConsoleError/badCSRF`` when the token is missing or wrong.
    func form(_ request: Request, csrf expected: String) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 64 << 10)
        let fields = Self.parseForm(String(buffer: body))
        guard let given = fields["csrf"], !expected.isEmpty, Self.constantTimeEqual(given, expected) else {
            throw ConsoleError.badCSRF
        }
        return fields
    }

    /// Writes the audit line of an admin action.
    func audit(_ session: OfficeSession, _ action: String, _ detail: String) async throws {
        try await store.audit(user: session.user, action: action, detail: detail, now: now)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// `application/x-www-form-urlencoded` fields (the last of repeated names wins).
    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return fields
    }

    /// Whether the browser reached the console over https (directly or via a proxy).
    func isSecure(_ request: Request) -> Bool {
        options.secureCookies || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
    }
}
