import Hummingbird

/// The console's languages, chosen by `?lang=`, then the `fb_lang` cookie, then the
/// browser's Accept-Language.
public enum ConsoleLanguage: String, Sendable, CaseIterable {
    case english = "en"
    case chinese = "zh"

    /// The cookie that remembers a choice made with `?lang=`.
    static let cookieName = "fb_lang"

    /// The language for a request, and whether it was just chosen (so the cookie is set).
    static func negotiate(_ request: Request) -> (language: ConsoleLanguage, chosen: Bool) {
        if let asked = request.uri.queryParameters["lang"].flatMap({ ConsoleLanguage(rawValue: String($0)) }) {
            return (asked, true)
        }
        if let remembered = request.cookies[cookieName].flatMap({ ConsoleLanguage(rawValue: $0.value) }) {
            return (remembered, false)
        }
        return (fromAcceptLanguage(request.headers[.acceptLanguage]), false)
    }

    /// The first of the browser's languages the console speaks (quality values ignored:
    /// browsers list languages in order of preference).
    static func fromAcceptLanguage(_ header: String?) -> ConsoleLanguage {
        for part in (header ?? "").split(separator: ",") {
            let tag = part.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if tag.hasPrefix("zh") { return .chinese }
            if tag.hasPrefix("en") { return .english }
        }
        return .english
    }

    /// The HTML `lang` attribute.
    var htmlTag: String { self == .chinese ? "zh-Hans" : "en" }

    /// The other language, for the switch link.
    var other: ConsoleLanguage { self == .chinese ? .english : .chinese }
}
