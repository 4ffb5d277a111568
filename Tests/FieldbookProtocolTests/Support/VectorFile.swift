import Foundation

/// A golden vector file in `Protocol/vectors/`: `#` comment lines (a header saying what
/// the bytes hold), then the bytes as hex, whitespace ignored.
struct VectorFile: Equatable {
    /// The comment lines, without their `# ` prefix.
    var comments: [String]
    /// The bytes.
    var bytes: [UInt8]

    /// The folder, found from this source file so tests run from any working directory.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors")

    /// The file of the vector called `name`.
    static func url(_ name: String) -> URL {
        folder.appendingPathComponent(name + ".hex")
    }

    /// Reads a vector file.
    static func read(_ name: String) throws -> VectorFile {
        let text = try String(contentsOf: url(name), encoding: .utf8)
        var comments: [String] = []
        var digits: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") {
                let comment = line.dropFirst()
                comments.append(String(comment.first == " " ? comment.dropFirst() : comment))
            } else {
                digits += line.utf8.filter { !$0.isWhitespace }
            }
        }
        guard digits.count.isMultiple(of: 2) else { throw VectorError.oddDigits(name) }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw VectorError.badDigit(name)
            }
            bytes.append(byte)
        }
        return VectorFile(comments: comments, bytes: bytes)
    }

    /// The value of a `key: value` comment line, if any.
    func header(_ key: String) -> String? {
        comments.first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    /// The file's text: comments, a blank line, then 16 bytes a line.
    var text: String {
        var lines = comments.map { $0.isEmpty ? "#" : "# " + $0 }
        lines.append("")
        for start in stride(from: 0, to: bytes.count, by: 16) {
            lines.append(
                bytes[start..<min(start + 16, bytes.count)].map { String(format: "%02x", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file.
    func write(_ name: String) throws {
        try text.write(to: Self.url(name), atomically: true, encoding: .utf8)
    }

    enum VectorError: Error {
        case oddDigits(String)
        case badDigit(String)
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0D || self == 0x0A }
}
