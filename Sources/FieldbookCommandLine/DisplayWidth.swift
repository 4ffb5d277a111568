/// How many terminal cells text takes: Chinese, Japanese and Korean characters and
/// full-width forms take two, combining marks none (they share their base's cell).
///
/// Counting Characters instead misaligns every column after a Chinese name: 李伟 is two
/// Characters but four cells.
public enum DisplayWidth {
    /// The cells `text` takes in a terminal.
    public static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// The cells one Character takes: its first scalar decides (the rest are combining
    /// marks, variation selectors or joiners).
    static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if scalar.properties.generalCategory == .control { return 0 }
        return isWide(scalar.value) || character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth ranges (Unicode Standard Annex #11), and emoji.
    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text` padded with spaces to `width` cells.
    public static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - of(text)))
    }
}
