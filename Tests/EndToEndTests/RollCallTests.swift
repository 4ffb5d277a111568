import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, item 3: the quick roll call, `attend EVENT --all STATUS --except P… STATUS`.
struct RollCallTests {
    @Test func everyonePresentExceptAFew() throws {
        let day = try FieldDay()
        let cli = day.cli
        try cli.ok("attend", day.module1, "Chen Jie", "late", "--remark", "train delay")
        let out = try cli.ok(
            "attend", day.module1, "--all", "present", "--except", "1234567", "wang fang", "absent", "Chen Jie",
            "excused")
        #expect(out == "Marked 4 participants: 1 present, 2 absent, 1 excused\n", "\(out)")
        let register = try day.register(day.module1)
        #expect(register == ["李伟": "absent", "王芳": "absent", "Chen Jie": "excused", "Li Wei": "present"])
        let lines = try #require(try cli.object("register", day.module1)["lines"] as? [[String: Any]])
        let chen = lines.first { ($0["participant"] as? [String: Any])?["name"] as? String == "Chen Jie" }
        #expect(chen?["remark"] as? String == "train delay", "--all keeps remarks")
        #expect(try cli.ok("attend", day.module1, "--all", "present") == "Marked 4 participants: 4 present\n")
    }

    @Test func aBadNameInExceptMarksNobody() throws {
        let day = try FieldDay()
        let before = try day.dump()
        for (arguments, code, says) in [
            (
                ["--all", "present", "--except", "1234567", "Nobody Here", "absent"], 66,
                "no participant matches 'Nobody Here'"
            ),
            (["--all", "present", "--except", "1234567", "李伟", "absent"], 65, "is named twice"),
            (["--all", "present", "--except", "1234567"], 64, "end --except with the status for 1234567"),
            (["--all", "present", "--except", "absent"], 64, "names participants before their status"),
            (["--all", "maybe"], 65, "status 'maybe' is not one of"),
            (["1234567", "present", "--all", "present"], 64, "not both"),
            (["1234567", "present", "--except", "Chen Jie", "absent"], 64, "--except goes with --all"),
            (["--all", "present", "--remark", "hi"], 64, "--remark is for one participant"),
        ] as [([String], Int32, String)] {
            let result = try day.cli.run(["attend", day.module1] + arguments)
            #expect(result.exitCode == code, "\(arguments): \(result)")
            #expect(result.stderrLines.count == 1 && result.stderr.contains(says), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try day.dump() == before)
    }
}
