/// Writes RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled.
public enum CSVWriter {
    /// The rows as CSV text, each line ending in CRLF as the RFC says.
    public static func text(_ rows: [[String]]) -> String {
        rows.map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
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
