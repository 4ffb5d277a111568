import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, item 2: people name cohorts and participants as they know them.
struct NamingTests {
    @Test func twoSpring2024CohortsAreAmbiguousAndTheErrorListsBoth() throws {
        let day = try FieldDay()
        let result = try day.cli.run(["participant", "list", "--cohort", "Spring 2024"])
        #expect(result.exitCode == 65, "\(result)")
        #expect(result.stderrLines.count == 1)
        let line = result.stderr
        #expect(line.hasPrefix("fieldbook: cohort 'Spring 2024' is ambiguous: it names "), "\(line)")
        #expect(line.contains("NPQH Spring 2024 [\(FieldDay.short(day.npqh))]"), "\(line)")
        #expect(line.contains("NPQLT Spring 2024 [\(FieldDay.short(day.npqlt))]"), "\(line)")
        // The form the CLI prints names one of them, in any case and spacing.
        #expect(try day.cli.array("participant", "list", "--cohort", "NPQH Spring 2024").count == 4)
        #expect(try day.cli.array("participant", "list", "--cohort", "npqlt  spring 2024").isEmpty)
        // A unique name is enough.
        try day.cli.ok("cohort", "add", "--programme", "NPQSL", "--name", "Autumn 2024")
        #expect(
            try day.cli.object("cohort", "edit", "Autumn 2024", "--starts", "2024-09-07")["programme"] as? String
                == "NPQSL")
    }

    @Test func participantsAreNamedByTRNIDNameOrPinyin() throws {
        let day = try FieldDay()
        let cli = day.cli
        try cli.ok("attend", day.module1, "王芳", "present")
        try cli.ok("attend", day.module1, "wang fang", "late")  // pinyin of 王芳
        try cli.ok("attend", day.module1, "CHEN  JIE", "absent")
        try cli.ok("attend", day.module1, "1234567", "excused")
        try cli.ok("attend", day.module1, FieldDay.short(day.people["Li Wei"]!), "present")
        let register = try day.register(day.module1)
        #expect(register == ["王芳": "late", "Chen Jie": "absent", "李伟": "excused", "Li Wei": "present"])

        // "Li Wei" is both Li Wei's name and 李伟's pinyin: the exact name wins.
        #expect(
            try cli.object("attend", day.module1, "Li Wei", "late")["participant"].flatMap {
                ($0 as? [String: Any])?["trn"] as? String
            } == "2345678")
        // Two people of one name: the error lists both.
        try cli.ok("participant", "add", "--cohort", "NPQH Spring 2024", "--name", "王芳", "--trn", "5678901")
        let ambiguous = try cli.run(["attend", day.module1, "王芳", "present"])
        #expect(ambiguous.exitCode == 65)
        #expect(ambiguous.stderr.contains("王芳 (TRN 3456789) ["), "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.contains("王芳 (TRN 5678901) ["), "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.contains("use one of these IDs"), "\(ambiguous.stderr)")
        let nobody = try cli.run(["attend", day.module1, "Zhao Lei", "present"])
        #expect(nobody.exitCode == 66 && nobody.stderr.contains("no participant matches 'Zhao Lei'"), "\(nobody)")
    }

    @Test func aParticipantOfAnotherCohortIsToldApartByTheEvent() throws {
        let day = try FieldDay()
        let cli = day.cli
        // The same person's name in the other Spring 2024: the event's cohort is searched first.
        try cli.ok("participant", "add", "--cohort", "NPQLT Spring 2024", "--name", "王芳")
        let mark = try cli.object("attend", day.module1, "王芳", "present")
        #expect((mark["participant"] as? [String: Any])?["trn"] as? String == "3456789")
        let other = try cli.ok("participant", "add", "--cohort", "NPQLT Spring 2024", "--name", "Zhou Min")
        #expect(other.hasPrefix("Added participant "))
        let refused = try cli.run(["attend", day.module1, "Zhou Min", "present"])
        #expect(refused.exitCode == 65 && refused.stderr.contains("is not in the cohort of event"), "\(refused)")
    }
}
