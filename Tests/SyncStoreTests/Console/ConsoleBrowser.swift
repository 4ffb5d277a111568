import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// A browser reduced to what the console's tests need: it keeps cookies, follows nothing
/// on its own, and finds the CSRF token in a page's forms.
struct ConsoleBrowser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var acceptLanguage = "en"

    /// What came back.
    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var location: String? { headers[.location] }
        var setCookies: [String] { headers[values: .setCookie] }

        /// The first CSRF token in the page's forms.
        var csrf: String? {
            guard let range = text.range(of: #"name="csrf" value="([^"]*)""#, options: .regularExpression) else {
                return nil
            }
            return String(text[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }

        /// The Set-Cookie line of `name`.
        func setCookie(_ name: String) -> String? { setCookies.first { $0.hasPrefix(name + "=") } }
    }

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    mutating func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> Page {
        try await send(uri, method: .get, headers: extra, body: nil)
    }

    mutating func post(_ uri: String, form: [String: String]) async throws -> Page {
        let body = form.sorted { $0.key < $1.key }.map { key, value in
            "\(Self.encode(key))=\(Self.encode(value))"
        }.joined(separator: "&")
        return try await send(
            uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }

    /// Fetches the sign-in form and posts it.
    mutating func signIn(_ name: String, _ password: String) async throws -> Page {
        let form = try await get("/signin")
        return try await post("/signin", form: ["csrf": form.csrf ?? "", "name": name, "password": password])
    }

    mutating func send(_ uri: String, method: HTTPRequest.Method, headers extra: HTTPFields, body: ByteBuffer?)
        async throws -> Page
    {
        var headers = extra
        headers[.acceptLanguage] = acceptLanguage
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: "; ")
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        let page = Page(
            status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
        for line in page.setCookies {
            let pair = line.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if line.contains("Max-Age=0") || value.isEmpty { cookies[name] = nil } else { cookies[name] = value }
        }
        return page
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
