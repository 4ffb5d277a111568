import Foundation

/// How a typed name is compared with a stored one: people type "li wei", "Li  Wei",
/// "LI WEI", full-width "Ｌｉ Ｗｅｉ" or "Lǐ Wèi" for the same person, and a facilitator
/// at an English keyboard types the pinyin of 李伟.
enum NameMatching {
    /// The name folded for comparison: compatibility forms (full-width letters and
    /// digits), case and tone marks folded; spaces, dots and hyphens dropped, since
    /// people split pinyin names differently ("Li Weiming", "Li Wei-ming", "Liweiming").
    static func folded(_ name: String) -> String {
        let folded = name.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        return String(folded.unicodeScalars.filter { !ignored($0) }.map(Character.init))
    }

    /// Whether a folded name is plain Latin letters (what a pinyin spelling looks like).
    static func isLatin(_ folded: String) -> Bool {
        !folded.isEmpty && folded.unicodeScalars.allSatisfy { $0.isASCII }
    }

    /// The folded pinyin of a name that holds Chinese characters, or nil when it holds
    /// none (or the platform cannot transliterate).
    static func pinyin(_ name: String) -> String? {
        guard name.unicodeScalars.contains(where: isHan) else { return nil }
        guard let latin = name.applyingTransform(.mandarinToLatin, reverse: false) else { return nil }
        return folded(latin)
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
            || (0x20000...0x2EBEF).contains(scalar.value)
    }

    static func ignored(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || ".·・-‐'’_".unicodeScalars.contains(scalar)
    }
}
