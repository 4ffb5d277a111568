import Testing

@testable import Fieldbook

/// How typed names meet stored ones.
struct NameMatchingTests {
    @Test func pinyinOfChineseNames() {
        #expect(NameMatching.pinyin("李伟") == "liwei")
        #expect(NameMatching.pinyin("Li Wei") == nil)
        #expect(NameMatching.folded("  Lǐ  Wèi ") == "liwei")
        #expect(NameMatching.folded("Ｌｉ Ｗｅｉ") == "liwei")
    }
}
