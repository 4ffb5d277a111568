import Fieldbook
import Testing

/// What the exports write must read back as the same fields (found by the csv-import
/// fuzz target: a note with a Windows line break broke the row; a first field starting
/// with a byte order mark lost it).
struct CSVRoundTripTests {
    @Test(arguments: [
        "Line\r\nbreak", "Line\nbreak", "Line\rbreak", "Ng, Kit", "School \"A\"", "\"\u{301}accent first", ",\u{301}",
        "plain", "", "\u{FEFF}starts with a byte order mark",
    ])
    func fieldSurvivesWriteAndRead(_ field: String) throws {
        for rows in [[["name", "note"], [field, "after"]], [[field, "first"]]] {
            let text = CSVWriter.text(rows)
            #expect(try CSVReader.records(text).map(\.fields) == rows)
        }
    }
}
