import Foundation

extension String {
    /// Foundation's white space, kept once: on Linux it also holds U+200B (zero-width space).
    private static let whiteSpace = CharacterSet.whitespacesAndNewlines

    /// The text without leading and trailing white space, exactly as Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` cuts it.
    ///
    /// Foundation trims through `NSString` (a copy to UTF-16 and back), which was a fifth
    /// of a 20,000-row roster import; this looks at the ends only and returns the text
    /// itself when there is nothing to trim.
    var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.whiteSpace.contains($0) }),
            let last = scalars.lastIndex(where: { !Self.whiteSpace.contains($0) })
        else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }

    /// Whether the text is empty or white space only (see ``trimmed``).
    var isBlank: Bool {
        unicodeScalars.allSatisfy { Self.whiteSpace.contains($0) }
    }
}
