import FieldbookCore
import FieldbookServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Who may open what: sessions, device tokens, CSRF, roles, lock-out, cookie flags.
@Suite struct ConsoleSecurityTests {
    static let pages = [
        "/", "/conflicts", "/laptops", "/audit", "/exports/attendance.csv", "/exports/attendance.xlsx",
        "/exports/notes.csv",
    ]

    @Test(arguments: StoreBackend.available)
    func pagesAndExportsNeedASessionAndADeviceTokenIsNone(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            for page in Self.pages + [
                "/cohorts/\(harness.scenario.headship.id)", "/events/\(harness.scenario.events[0].id)",
            ] {
                let answer = try await browser.get(page)
                #expect(answer.status == .seeOther && answer.location == "/signin", "\(page) opened without a session")
                let bearer = try await browser.get(page, headers: [.authorization: "Bearer \(harness.deviceToken)"])
                #expect(bearer.status == .seeOther, "\(page) opened with a device token")
            }
            let post = try await browser.post("/tokens", form: ["name": "x", "cohort": "all"])
            #expect(post.status == .unauthorized)
            #expect(try await harness.test.store.tokens().count == 1)
        }
    }

    @Test(arguments: StoreBackend.available)
    func signInStartsANewSessionWithStrictCookies(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            // An attacker plants a session ID before the victim signs in.
            let planted = OfficeConsoleTestAccess.randomCookieValue()
            browser.cookies["fb_session"] = planted
            let signedIn = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            #expect(signedIn.status == .seeOther && signedIn.location == "/")
            let cookie = try #require(signedIn.setCookie("fb_session"))
            #expect(browser.cookies["fb_session"] != planted)
            #expect(browser.cookies["fb_session"]?.count == 43, "32 random bytes, base64url")
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"), "plain http on loopback")
            var attacker = ConsoleBrowser(client)
            attacker.cookies["fb_session"] = planted
            #expect(try await attacker.get("/").status == .seeOther)
            #expect(try await browser.get("/").status == .ok)

            var proxied = ConsoleBrowser(client)
            let form = try await proxied.get("/signin")
            let https = try await proxied.send(
                "/signin", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    HTTPField.Name("X-Forwarded-Proto")!: "https",
                ],
                body: .init(
                    string: "csrf=\(form.csrf ?? "")&name=\(ConsoleHarness.adminName)&password=correct+horse+battery"))
            #expect(https.setCookie("fb_session")?.contains("Secure") == true)
        }
    }

    @Test(arguments: StoreBackend.available)
    func formsWithoutTheSessionsCSRFTokenAreRefused(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let revoke = ["name": "wang-laptop"]
            #expect(try await browser.post("/tokens/revoke", form: revoke).status == .forbidden)
            var forged = revoke
            forged["csrf"] = "forged"
            #expect(try await browser.post("/tokens/revoke", form: forged).status == .forbidden)
            #expect(try await harness.test.store.tokens().allSatisfy { $0.revokedAt == nil })
            // The sign-in form is bound to its browser too.
            var other = ConsoleBrowser(client)
            let refused = try await other.post(
                "/signin", form: ["csrf": "x", "name": ConsoleHarness.adminName, "password": ConsoleHarness.password])
            #expect(refused.status == .forbidden)
        }
    }

    @Test(arguments: StoreBackend.available)
    func viewersReadButCannotChangeAnything(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.viewerName, ConsoleHarness.password)
            let page = try await browser.get("/conflicts")
            #expect(page.status == .ok && !page.text.contains("/keep"))
            let csrf = try #require(page.csrf, "the sign-out form carries the token")
            let conflict = try #require(try await harness.store.conflicts(includeResolved: false).first)
            let attempts: [(String, [String: String])] = [
                ("/conflicts/\(conflict.id)/keep", ["side": "loser"]), ("/tokens", ["name": "x", "cohort": "all"]),
                ("/tokens/revoke", ["name": "wang-laptop"]), ("/quarantine/release", [:]),
                ("/cohorts/\(harness.scenario.headship.id)/threshold", ["percent": "10"]),
            ]
            for (path, form) in attempts {
                let answer = try await browser.post(path, form: form.merging(["csrf": csrf]) { a, _ in a })
                #expect(answer.status == .forbidden, "a viewer posted \(path)")
            }
            #expect(try await harness.store.conflicts(includeResolved: false).count == 2, "both entries still open")
            #expect(try await harness.store.auditLog().allSatisfy { $0.action == "signin" })
        }
    }

    @Test(arguments: StoreBackend.available)
    func fiveFailuresLockTheAccountForFifteenMinutes(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            for _ in 0..<5 {
                #expect(try await browser.signIn(ConsoleHarness.adminName, "wrong password!").status == .unauthorized)
            }
            let locked = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.text.contains("15 minutes"))
            #expect(browser.cookies["fb_session"] == nil)
            #expect(try await browser.signIn("nobody", "whatever").status == .unauthorized)
            harness.clock.advance(by: SignInPolicy.lockOutMilliseconds + 1)
            #expect(try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password).status == .seeOther)
        }
    }

    @Test(arguments: StoreBackend.available)
    func signingOutEndsTheSession(_ backend: StoreBackend) async throws {
        try await ConsoleHarness.forEach(backend) { harness, client in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn(ConsoleHarness.adminName, ConsoleHarness.password)
            let session = try #require(browser.cookies["fb_session"])
            let page = try await browser.get("/")
            #expect(try await browser.post("/signout", form: ["csrf": page.csrf ?? ""]).location == "/signin")
            var replay = ConsoleBrowser(client)
            replay.cookies["fb_session"] = session
            #expect(try await replay.get("/").status == .seeOther)
        }
    }
}

/// Values the security tests forge.
enum OfficeConsoleTestAccess {
    /// A well-formed session cookie value no server issued.
    static func randomCookieValue() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
