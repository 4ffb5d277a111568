import Fieldbook
import Testing

struct RollCallAnswerTests {
    @Test(arguments: [
        ("p", RollCallAnswer.mark(.present, remark: nil)),
        ("P", .mark(.present, remark: nil)),
        ("  l  ", .mark(.late, remark: nil)),
        ("late train delay", .mark(.late, remark: "train delay")),
        ("a", .mark(.absent, remark: nil)),
        ("e school inspection", .mark(.excused, remark: "school inspection")),
        ("excused", .mark(.excused, remark: nil)),
        ("s", .skip),
        ("skip", .skip),
        ("q", .quit),
        ("QUIT", .quit),
    ])
    func answersAreRead(line: String, expected: RollCallAnswer) {
        #expect(RollCallAnswer(line) == expected)
    }

    @Test(arguments: ["", "   ", "x", "present!", "yes", "s later", "q now", "unmarked"])
    func otherLinesAreNoAnswer(line: String) {
        #expect(RollCallAnswer(line) == nil)
    }
}
