import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the console's pages: a page template inside the layout, in the request's language.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all {
            // The templates are constants of this module: a parse error is a programming
            // error that every test run would catch at once.
            try! library.register(text, named: name)
        }
        self.library = library
    }

    /// The words of the request's language.
    func strings(for request: Request) -> [String: String] {
        ConsoleStrings.table(ConsoleLanguage.negotiate(request).language)
    }

    /// A piece of HTML from a template, for a page to include with `{{{…}}}`.
    func fragment(_ name: String, data: [String: Any]) -> String {
        library.render(data, withTemplate: name) ?? ""
    }

    /// A full HTML page.
    ///
    /// - Parameters:
    ///   - name: the page template.
    ///   - data: what the template shows; `t` (words), `csrf` and `isAdmin` are added.
    ///   - session: the signed-in user, or `nil` on the sign-in and error pages.
    func page(
        _ name: String, title: String, data: [String: Any], request: Request, session: OfficeSession?,
        cookies: [Cookie] = []
    ) -> Response {
        let (language, chosen) = ConsoleLanguage.negotiate(request)
        let strings = ConsoleStrings.table(language)
        var data = data
        data["t"] = strings
        data["csrf"] = data["csrf"] ?? session?.csrf ?? ""
        data["isAdmin"] = session?.isAdmin ?? false
        var switchQuery = URLComponents()
        switchQuery.queryItems = [URLQueryItem(name: "lang", value: language.other.rawValue)]
        let common: [String: Any] = [
            "t": strings, "lang": language.htmlTag, "otherLang": language.other.htmlTag,
            "otherLangLabel": language == .chinese ? "English" : "中文",
            "switchLink": request.uri.path + (switchQuery.string ?? ""),
        ]
        data.merge(common) { own, _ in own }
        let body = library.render(data, withTemplate: name) ?? ""
        var layout = common
        layout["title"] = title
        layout["body"] = body
        if let session {
            layout["session"] = true
            layout["user"] = session.user
            layout["role"] = session.role.rawValue
            layout["csrf"] = session.csrf
        }
        var response = Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: library.render(layout, withTemplate: "layout") ?? "")))
        if chosen {
            response.setCookie(
                Cookie(
                    name: ConsoleLanguage.cookieName, value: language.rawValue, maxAge: 365 * 24 * 3600, path: "/",
                    httpOnly: true, sameSite: .strict))
        }
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}
