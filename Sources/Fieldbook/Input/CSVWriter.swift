/// How a CSV file is laid out for the program that opens it.
public enum CSVStyle: String, Sendable, CaseIterable {
    /// For Excel and WPS: UTF-8 with a byte order mark (without one, Chinese Excel reads
    /// the file as GBK and shows mojibake) and CRLF line ends.
    case excel
    /// For scripts and Unix tools: UTF-8 without a byte order mark, LF line ends.
    case plain

    var prefix: String { self == .excel ? "\u{FEFF}" : "" }
    var lineEnd: String { self == .excel ? "\r\n" : "\n" }
}

/// Writes RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled.
public enum CSVWriter {
    /// The rows as CSV text, each line ending in CRLF as the RFC says, without a BOM.
    public static func text(_ rows: [[String]]) -> String {
        rows.map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }

    /// The rows as CSV text in a style.
    public static func text(_ rows: [[String]], style: CSVStyle) -> String {
        style.prefix + rows.map { $0.map(escape).joined(separator: ",") + style.lineEnd }.joined()
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
