/// How a CSV file is laid out for the program that opens it.
public enum CSVStyle: String, Sendable, CaseIterable {
    /// For Excel and WPS: UTF-8 with a byte order mark (without one, Chinese Excel reads
    /// the file as GBK and shows mojibake) and CRLF line ends.
    case excel
    /// For scripts and Unix tools: UTF-8 without a byte order mark, LF line ends.
    case plain

    var prefix: String { self == .excel ? "\u{FEFF}" : "" }
    var lineEnd: String { self == .excel ? "\r\n" : "\n" }
    /// Whether text a spreadsheet would run as a formula is defused (see ``CSVWriter/defused(_:)``).
    /// Plain CSV is for scripts, which want the values exactly.
    var defusesFormulas: Bool { self == .excel }
}

/// Writes RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled.
public enum CSVWriter {
    /// The rows as CSV text, each line ending in CRLF as the RFC says, without a BOM.
    public static func text(_ rows: [[String]]) -> String {
        rows.map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }

    /// The rows as CSV text in a style; for Excel, with formulas defused.
    public static func text(_ rows: [[String]], style: CSVStyle) -> String {
        let field = { (value: String) in escape(style.defusesFormulas ? defused(value) : value) }
        return style.prefix + rows.map { $0.map(field).joined(separator: ",") + style.lineEnd }.joined()
    }

    /// A field that cannot run as a formula in a spreadsheet (CSV injection, OWASP's
    /// rule): text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets
    /// a leading `'`, which Excel, WPS and LibreOffice show as text and do not display.
    /// A number (`-3`, `+1.5`) is left alone: it is data, and no formula.
    ///
    /// A participant named `=HYPERLINK("http://…","Click")` on one laptop must not turn
    /// into a live link, or worse, on the office computer that opens the export.
    public static func defused(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            !isNumber(field)
        else { return field }
        return "'" + field
    }

    /// A decimal number in plain notation, with an optional sign.
    static func isNumber(_ field: String) -> Bool {
        var digits = field.unicodeScalars.dropFirst(field.hasPrefix("-") || field.hasPrefix("+") ? 1 : 0)
        if let dot = digits.firstIndex(of: ".") {
            let fraction = digits[digits.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy({ ("0"..."9").contains($0) }) else { return false }
            digits = digits[..<dot]
        }
        return !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
    }

    static func escape(_ field: String) -> String {
        // Scalars, not Characters, as the reader reads: "\r\n" is one Character equal to
        // neither "\r" nor "\n", and a comma or quote followed by a combining mark is one
        // Character too (which a Character search does not find or double). A byte order
        // mark is quoted too: the reader drops one at the very start of the text.
        guard field.unicodeScalars.contains(where: { "\",\n\r\u{FEFF}".unicodeScalars.contains($0) }) else {
            return field
        }
        var quoted = String.UnicodeScalarView()
        for scalar in field.unicodeScalars {
            if scalar == "\"" { quoted.append("\"") }
            quoted.append(scalar)
        }
        return "\"" + String(quoted) + "\""
    }
}
