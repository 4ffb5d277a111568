import FieldbookCore
import Foundation
import Testing

@testable import Fieldbook

/// Rosters arrive in whatever the spreadsheet saved: each is read back to the same text.
struct TextEncodingTests {
    static let text = "姓名,城市\r\n王𠮷,深圳\r\nJosé Ñúñez,Chengdu\r\n"

    static func utf16(_ text: String, bigEndian: Bool, bom: Bool = true) -> Data {
        let bytes = text.utf16.flatMap { unit in
            bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        return Data((bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []) + bytes)
    }

    @Test func utf8WithAndWithoutBOM() throws {
        #expect(try TextEncoding.decode(Data(Self.text.utf8), file: "f") == (Self.text, .utf8))
        let bom = try TextEncoding.decode(Data([0xEF, 0xBB, 0xBF] + Array(Self.text.utf8)), file: "f")
        #expect(bom.text == Self.text && bom.encoding == .utf8)
    }

    @Test(arguments: [false, true])
    func utf16WithBOM(bigEndian: Bool) throws {
        let decoded = try TextEncoding.decode(Self.utf16(Self.text, bigEndian: bigEndian), file: "f")
        #expect(decoded.text == Self.text)
        #expect(decoded.encoding == (bigEndian ? .utf16BE : .utf16LE))
    }

    @Test func gb18030IsDetectedAndDecodedWithFourByteCharacters() throws {
        // 王𠮷 in GB18030: 王 is two bytes, 𠮷 (outside GBK) four.
        let bytes: [UInt8] = [0xCD, 0xF5, 0x95, 0x34, 0xB2, 0x35, 0x2C, 0x41, 0x0D, 0x0A]
        let decoded = try TextEncoding.decode(Data(bytes), file: "f")
        #expect(decoded.text == "王𠮷,A\r\n" && decoded.encoding == .gb18030)
    }

    @Test func badBytesAreRefusedWithAHint() throws {
        let noBOM = #expect(throws: FieldbookError.self) {
            try TextEncoding.decode(Self.utf16("name,trn\n", bigEndian: false, bom: false), file: "r.csv")
        }
        #expect(noBOM?.message.contains("looks like UTF-16 without a byte order mark") == true)
        let neither = #expect(throws: FieldbookError.self) {
            try TextEncoding.decode(Data([0x41, 0x80, 0x0A]), file: "r.csv")
        }
        #expect(neither?.message.contains("neither UTF-8 nor GB18030") == true)
        let odd = #expect(throws: FieldbookError.self) {
            try TextEncoding.decode(Data([0xFF, 0xFE, 0x41]), file: "r.csv")
        }
        #expect(odd?.message.contains("is not valid utf-16le text") == true)
        let truncated = #expect(throws: FieldbookError.self) {
            try TextEncoding.decode(Data([0x41, 0xCD]), as: .gb18030, file: "r.csv")
        }
        #expect(truncated?.message.contains("is not valid gb18030 text") == true)
        #expect(try TextEncoding.decode(Data(Self.text.utf8), as: .utf8, file: "f").text == Self.text)
    }

    @Test(arguments: [("GBK", TextEncoding.gb18030), ("gb2312", .gb18030), ("UTF8", .utf8), ("utf_16le", .utf16LE)])
    func encodingNames(name: String, encoding: TextEncoding) {
        #expect(TextEncoding(name: name) == encoding)
    }
}
