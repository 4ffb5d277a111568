import Fieldbook
import Testing

/// What the exports write for Excel: formulas defused, numbers left alone; plain CSV as given.
struct CSVWriterTests {
    @Test(arguments: [
        ("=HYPERLINK(\"http://evil.example\",\"Click\")", "'=HYPERLINK(\"http://evil.example\",\"Click\")"),
        ("=1+1", "'=1+1"),
        ("+86 138 0013 8000", "'+86 138 0013 8000"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("-", "'-"),
        ("-.5", "'-.5"),
        ("1-2", "1-2"),
        ("李伟", "李伟"),
        ("a = b", "a = b"),
        ("", ""),
        // Numbers are data, not formulas.
        ("-3", "-3"),
        ("+12", "+12"),
        ("-87.5", "-87.5"),
        ("42", "42"),
    ])
    func excelFieldsCannotRunAsFormulas(field: String, expected: String) {
        #expect(CSVWriter.defused(field) == expected)
    }

    @Test func excelStyleDefusesAndQuotesAndPlainKeepsTheValue() throws {
        let rows = [["name", "rate"], ["=HYPERLINK(\"x\",\"y\")", "-12.5"]]
        let excel = CSVWriter.text(rows, style: .excel)
        #expect(excel == "\u{FEFF}name,rate\r\n\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",-12.5\r\n")
        let plain = CSVWriter.text(rows, style: .plain)
        #expect(plain == "name,rate\n\"=HYPERLINK(\"\"x\"\",\"\"y\"\")\",-12.5\n")
        #expect(try CSVReader.records(plain).map(\.fields) == rows)
    }
}
