/// Text from elsewhere (a server's error message, a bundle's names) made safe to print.
///
/// A terminal obeys escape sequences: a hostile or spoofed server could clear the
/// screen, rewrite earlier lines, set the window title or hide text in a message the CLI
/// prints. Control characters (C0, DEL, C1: ESC among them) and the invisible bidirectional
/// overrides are replaced, so the user sees exactly the characters that were sent.
public enum TerminalText {
    /// `text` with every control and bidi-override character replaced by `�`, and line
    /// breaks by spaces (a message stays one line).
    public static func sanitized(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A, 0x0D, 0x09: result.append(" ")
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: result.append("\u{FFFD}")
            default: result.append(scalar)
            }
        }
        return String(result)
    }
}
