import FieldbookCore
import FieldbookTestSupport
import Foundation
import Testing

@testable import Fieldbook

struct ValidateTests {
    @Test(
        arguments: [
            ("1234567", "1234567"), (" 0123456 ", "0123456"), ("", nil), ("   ", nil),
        ] as [(String, String?)])
    func acceptsSevenDigitTRNs(input: String, expected: String?) throws {
        #expect(try Validate.trn(input) == expected)
    }

    @Test(arguments: ["123456", "12345678", "12345AB", "１２３４５６７", "123 4567", "+123456", "-123456"])
    func rejectsOtherTRNs(input: String) {
        let error = #expect(throws: FieldbookError.self) { try Validate.trn(input) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("7 digits") == true)
    }

    @Test(arguments: ["li.wei@school.cn", "a@b.co", " li@school.cn "])
    func acceptsEmails(input: String) throws {
        #expect(try Validate.email(input) == input.trimmingCharacters(in: .whitespaces))
    }

    @Test(arguments: ["li", "li@", "@school.cn", "li@school", "li@.cn", "li@school.", "li wei@school.cn", "a@b@c.cn"])
    func rejectsNonEmails(input: String) {
        #expect(throws: FieldbookError.self) { try Validate.email(input) }
    }

    /// The byte scan agrees with the rule it replaced (split at `@`, Unicode white space
    /// anywhere) on random strings of the characters that matter.
    @Test func emailScanAgreesWithTheSplittingRule() {
        func splitting(_ value: String) -> Bool {
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
                && !parts[1].hasSuffix(".") && !value.unicodeScalars.contains(where: \.properties.isWhitespace)
        }
        let alphabet: [Character] = [
            "a", "b", "@", "@", ".", ".", " ", "\t", "中", "\u{2003}", "\u{85}", "é", "\u{200B}",
        ]
        var random = SeededRandom(seed: 2026)
        for _ in 0..<20_000 {
            let value = String(
                (0..<Int.random(in: 0...9, using: &random)).map { _ in
                    alphabet.randomElement(using: &random)!
                })
            #expect(Validate.isEmailAddress(value) == splitting(value), "\(value.debugDescription)")
        }
    }

    @Test(arguments: ["2024-03-02", "2024-02-29", "2000-02-29", "1999-12-31"])
    func acceptsDates(input: String) throws {
        #expect(try Validate.date(input, field: "start") == input)
    }

    @Test(arguments: [
        "2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-3-2", "24-03-02",
        "2024/03/02", "2024-03-02T09:00", "tomorrow", "1899-12-31", "2024--03-02",
    ])
    func rejectsNonDates(input: String) {
        let error = #expect(throws: FieldbookError.self) { try Validate.date(input, field: "start date") }
        #expect(error?.message.contains("is not a date") == true)
    }

    @Test(
        arguments: [
            ("2024-03-02T09:00", "Asia/Shanghai", "2024-03-02T09:00", "2024-03-02T01:00:00Z"),
            ("2024-03-02 09:00", "Asia/Shanghai", "2024-03-02T09:00", "2024-03-02T01:00:00Z"),
            ("2024-07-01T19:30", "Europe/London", "2024-07-01T19:30", "2024-07-01T18:30:00Z"),
            ("2024-12-31T23:30", "Asia/Shanghai", "2024-12-31T23:30", "2024-12-31T15:30:00Z"),
        ] as [(String, String, String, String)])
    func startTimesAreNormalizedAndConvertedToUTC(input: String, zone: String, local: String, utc: String) throws {
        let start = try Validate.startTime(input, zone: zone)
        #expect(start.local == local)
        #expect(start.utc == utc)
    }

    @Test(
        arguments: [
            ("2024-03-02T24:00", "Asia/Shanghai"), ("2024-03-02T09:60", "Asia/Shanghai"),
            ("2024-03-02T9:00", "Asia/Shanghai"),
            ("2024-03-02", "Asia/Shanghai"), ("2024-02-30T09:00", "Asia/Shanghai"),
            ("2024-03-02T09:00", "Mars/Olympus"),
            // The clocks go forward at 01:00 in London that night: 01:30 never happens.
            ("2024-03-31T01:30", "Europe/London"),
        ] as [(String, String)])
    func rejectsTimesThatAreNotTimesInTheirZone(input: String, zone: String) {
        let error = #expect(throws: FieldbookError.self, "\(input) \(zone)") {
            try Validate.startTime(input, zone: zone)
        }
        #expect(error?.code == .invalidInput)
    }

    @Test(arguments: ["present", "PRESENT", "Late", "absent", "excused"])
    func statusesIgnoreCase(input: String) throws {
        #expect(try Validate.status(input).rawValue == input.lowercased())
    }

    @Test(arguments: [
        ("f2f", EventKind.faceToFace), ("Face to face", .faceToFace), ("webinar", .webinar), ("INDUCTION", .induction),
    ])
    func eventKindsHaveFriendlySpellings(input: String, kind: EventKind) throws {
        #expect(try Validate.kind(input) == kind)
    }

    @Test func textIsTrimmedAndBounded() throws {
        #expect(try Validate.text("  Li Wei \n", field: "name") == "Li Wei")
        #expect(throws: FieldbookError.self) { try Validate.text(" \n ", field: "name") }
        #expect(throws: FieldbookError.self) { try Validate.text(String(repeating: "x", count: 201), field: "name") }
        #expect(try Validate.text(String(repeating: "好", count: 200), field: "name").count == 200)
        #expect(try Validate.optionalText("  ", field: "school") == nil)
    }
}

struct CSVReaderTests {
    @Test func quotedFieldsDoubledQuotesAndLineNumbers() throws {
        let records = try CSVReader.records(
            "name,school\n\"Chen, Jie\",\"Shanghai \"\"No. 3\"\"\"\n\"Li\nWei\",x\nZhang,y\n")
        #expect(
            records.map(\.fields) == [
                ["name", "school"], ["Chen, Jie", "Shanghai \"No. 3\""], ["Li\nWei", "x"], ["Zhang", "y"],
            ])
        #expect(records.map(\.line) == [1, 2, 3, 5], "a record after a field spanning lines starts on its own line")
    }

    @Test(arguments: ["a,b\r\nc,d\r\n", "a,b\nc,d", "\u{FEFF}a,b\nc,d\n", "a,b\rc,d\r", "a,b\n\nc,d\n\n"])
    func lineEndingsByteOrderMarkAndBlankLines(text: String) throws {
        #expect(try CSVReader.records(text).map(\.fields) == [["a", "b"], ["c", "d"]])
    }

    @Test func emptyFieldsAreKept() throws {
        #expect(try CSVReader.records("a,,c\n,,\n").map(\.fields) == [["a", "", "c"], ["", "", ""]])
    }

    @Test(arguments: [("a,b\n\"c,d\n", 2, "never closed"), ("a,b\n\"c\"x,d\n", 2, "after a closing quote")])
    func malformedQuotingNamesTheLine(text: String, line: Int, message: String) {
        let error = #expect(throws: FieldbookError.self) { try CSVReader.records(text) }
        #expect(error?.message.hasPrefix("line \(line): ") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(message) == true)
    }

    @Test(arguments: Seeds.list(default: 5))
    func writerOutputReadsBack(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let alphabet: [Character] = ["a", "Z", " ", ",", "\"", "\n", "\r\n", "好", "é"]
        let rows = (0..<20).map { _ in
            (0..<4).map { _ in
                String((0..<Int.random(in: 0...6, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            }
        }.filter { !$0.allSatisfy(\.isEmpty) }
        let parsed = try CSVReader.records(CSVWriter.text(rows)).map(\.fields)
        #expect(parsed == rows, "seed \(seed)")
    }
}

/// `trimmed` replaces Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` on
/// the roster's hot path: it must cut exactly what Foundation cuts.
struct TrimmedTests {
    /// Every White_Space character, and neighbours that are not (zero-width space, BOM,
    /// a combining accent, an ideographic full stop, CJK text).
    static let pieces: [String] = [
        " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{200A}",
        "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{200B}", "\u{FEFF}", "\u{301}", "。", "王芳",
        "Li", "e\u{301}", "",
    ]

    @Test func cutsWhatFoundationCutsOnRandomText() {
        var random = SeededRandom(seed: 77)
        for round in 0..<5_000 {
            let text = (0..<Int(random.next() % 6)).map { _ in
                Self.pieces[Int(random.next() % UInt64(Self.pieces.count))]
            }
            .joined()
            #expect(
                text.trimmed == text.trimmingCharacters(in: .whitespacesAndNewlines),
                "round \(round): \(Array(text.unicodeScalars.map { String($0.value, radix: 16) }))")
            #expect(text.isBlank == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        }
    }
}
