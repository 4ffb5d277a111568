import FieldbookCore
import HTTPTypes
import Hummingbird

/// Sign-in and sign-out.
///
/// The sign-in form is bound to the browser that fetched it by a random cookie echoed in
/// the form (login CSRF). A successful sign-in always starts a new session with a new
/// random ID (no session fixation); the old one, if any, is deleted. Five failures in a
/// row lock the account for 15 minutes.
struct ConsoleSignInRoutes {
    let console: OfficeConsole

    func collection() -> RouteCollection<BasicRequestContext> {
        let routes = console.makeCollection()
        routes.get("/signin") { request, _ in try await showForm(request) }
        routes.post("/signin") { request, _ in try await signIn(request) }
        routes.post("/signout") { request, _ in try await signOut(request) }
        return routes
    }

    func showForm(_ request: Request, failure: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        if failure == nil, (try? await console.session(request)) != nil {
            return Response.redirect(to: "/", type: .normal)
        }
        let binding = SessionSecret.encode(SessionSecret.random())
        var data: [String: Any] = ["csrf": binding]
        if let failure { data["failed"] = failure }
        var response = console.renderer.page(
            "signin", title: console.renderer.strings(for: request)["signIn"] ?? "Sign in", data: data,
            request: request, session: nil,
            cookies: [
                Cookie(
                    name: OfficeConsole.signInCookie, value: binding, path: "/signin",
                    secure: console.isSecure(request),
                    httpOnly: true, sameSite: .strict)
            ])
        response.status = status
        return response
    }

    func signIn(_ request: Request) async throws -> Response {
        guard let binding = request.cookies[OfficeConsole.signInCookie]?.value else { throw ConsoleError.badCSRF }
        let fields = try await console.form(request, csrf: binding)
        let name = fields["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = fields["password"] ?? ""
        let now = console.now
        guard let user = try await console.store.user(named: name) else {
            // Spend the same time as a real check, so timing does not tell which names exist.
            _ = try await offload { OfficePassword.verify(password, hash: Self.decoyHash) }
            return try await showForm(request, failure: "the name or the password is wrong", status: .unauthorized)
        }
        guard user.lockedUntil <= now else {
            let minutes = (user.lockedUntil - now + 59_999) / 60_000
            return try await showForm(
                request, failure: "too many failed sign-ins: try again in \(minutes) minutes", status: .tooManyRequests)
        }
        let hash = user.passwordHash
        guard try await offload({ OfficePassword.verify(password, hash: hash) }) else {
            try await console.store.recordFailedSignIn(name: user.name, now: now)
            return try await showForm(request, failure: "the name or the password is wrong", status: .unauthorized)
        }
        try await console.store.recordSignIn(name: user.name)
        if let old = request.cookies[OfficeConsole.sessionCookie] {
            try await console.store.endSession(cookie: old.value)
        }
        let id = try await console.store.startSession(user: user.name, now: now)
        try await console.store.audit(user: user.name, action: "signin", detail: user.role.rawValue, now: now)
        var response = Response.redirect(to: "/", type: .normal)
        response.setCookie(sessionCookie(id, request: request))
        response.setCookie(
            Cookie(
                name: OfficeConsole.signInCookie, value: "", maxAge: 0, path: "/signin", httpOnly: true,
                sameSite: .strict))
        return response
    }

    func signOut(_ request: Request) async throws -> Response {
        let session = try await console.session(request)
        _ = try await console.form(request, csrf: session.csrf)
        if let cookie = request.cookies[OfficeConsole.sessionCookie] {
            try await console.store.endSession(cookie: cookie.value)
        }
        try await console.audit(session, "signout", "")
        var response = Response.redirect(to: "/signin", type: .normal)
        var expired = sessionCookie("", request: request, maxAge: 0)
        expired = Cookie(
            name: expired.name, value: "", maxAge: 0, path: "/", secure: expired.secure, httpOnly: true,
            sameSite: .strict)
        response.setCookie(expired)
        return response
    }

    /// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site
    /// sends it), Secure over https.
    func sessionCookie(_ value: String, request: Request, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: OfficeConsole.sessionCookie, value: value,
            maxAge: maxAge ?? Int(SignInPolicy.sessionMilliseconds / 1000), path: "/",
            secure: console.isSecure(request), httpOnly: true, sameSite: .strict)
    }

    /// A bcrypt hash of nothing anyone knows, checked when the name is unknown.
    static let decoyHash = OfficePassword.hash(SessionSecret.encode(SessionSecret.random()), cost: 10)
}
