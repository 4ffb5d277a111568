/// HTML text that escapes by default: a `String` interpolated into it is escaped, so a
/// participant called `<script>` prints as text; only `HTML` interpolates as markup.
///
/// ```swift
/// let cell: HTML = "<td>\(participant.name)</td>"
/// ```
struct HTML: ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    private(set) var description: String

    init(stringLiteral value: String) {
        description = value
    }

    init(stringInterpolation: StringInterpolation) {
        description = stringInterpolation.text
    }

    /// Joins fragments of markup.
    init(joining parts: [HTML], separator: String = "\n") {
        description = parts.map(\.description).joined(separator: separator)
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity * 2)
        }

        mutating func appendLiteral(_ literal: String) { text += literal }

        /// Text: escaped.
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }

        /// Markup: as is.
        mutating func appendInterpolation(_ value: HTML) { text += value.description }

        /// A number.
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
    }

    /// The text with `&`, `<`, `>`, `"` and `'` as character references: safe in element
    /// content and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
