/// CSV that Excel opens correctly: UTF-8 with a byte-order mark (without it Excel reads
/// Chinese as mojibake), CRLF line ends, RFC 4180 quoting.
///
/// A cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`,
/// so a name typed on a laptop can never run as a formula on an office computer.
enum SpreadsheetCSV {
    /// The UTF-8 byte-order mark.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The file's bytes.
    static func bytes(_ table: [[String]]) -> [UInt8] {
        var text = ""
        for row in table {
            text += row.map(field).joined(separator: ",")
            text += "\r\n"
        }
        return byteOrderMark + Array(text.utf8)
    }

    static func field(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
