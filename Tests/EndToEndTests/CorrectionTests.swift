import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, item 1: everything entered can be corrected or deleted, and a mark cleared.
struct CorrectionTests {
    @Test func cohortsVenuesParticipantsAndEventsCanBeEdited() throws {
        let day = try FieldDay()
        let cli = day.cli
        #expect(
            try cli.ok("cohort", "edit", "NPQLT Spring 2024", "--name", "Spring 2024 (Wuhan)")
                .hasPrefix("Edited cohort "))
        #expect(try cli.array("cohort", "list").compactMap { $0["name"] as? String }.contains("Spring 2024 (Wuhan)"))
        try cli.ok("cohort", "edit", "NPQLT Spring 2024 (Wuhan)", "--programme", "NPQLTD", "--starts", "2024-04-01")
        let edited = try cli.object("cohort", "edit", "NPQLTD Spring 2024 (Wuhan)", "--starts", "")
        #expect(edited["programme"] as? String == "NPQLTD" && edited["starts"] == nil)

        let venue = try cli.object("venue", "edit", "Shanghai Pudong Bilingual School", "--school", "SPBS East")
        #expect(venue["school"] as? String == "SPBS East" && venue["city"] as? String == "Shanghai")

        let li = try cli.object(
            "participant", "edit", "1234567", "--email", "li.wei@spbs.cn", "--school", "", "--name", "李 伟")
        #expect(li["name"] as? String == "李 伟" && li["email"] as? String == "li.wei@spbs.cn" && li["school"] == nil)
        #expect(try cli.object("participant", "edit", "Chen Jie", "--trn", "4567890")["trn"] as? String == "4567890")

        let moved = try cli.object(
            "event", "edit", day.module1, "--starts", "2024-03-02T09:30", "--title", "Module 1: Leading change")
        #expect(moved["starts_utc"] as? String == "2024-03-02T01:30:00Z")
        // A new zone alone keeps the local time and moves the instant.
        let london = try cli.object(
            "event", "edit", day.module1, "--zone", "Europe/London", "--kind", "webinar")
        #expect(
            london["starts"] as? String == "2024-03-02T09:30"
                && london["starts_utc"] as? String == "2024-03-02T09:30:00Z")
        #expect(london["venue_id"] == nil, "a webinar has no venue")
        let back = try cli.run(["event", "edit", day.module1, "--kind", "f2f"])
        #expect(back.exitCode == 65 && back.stderr.contains("needs --venue"), "\(back)")
    }

    @Test func editsThatBreakARuleChangeNothing() throws {
        let day = try FieldDay()
        let before = try day.dump()
        for (arguments, code, says) in [
            (["participant", "edit", "李伟", "--trn", "2345678"], 65, "is already Li Wei's"),
            (["participant", "edit", "李伟", "--trn", "12"], 65, "must be exactly 7 digits"),
            (["participant", "edit", "李伟"], 64, "say what to change"),
            (["cohort", "edit", "NPQLT Spring 2024", "--programme", "NPQH"], 65, "exists already"),
            (["event", "edit", day.module1, "--zone", "Mars/Olympus"], 65, "unknown"),
            (["venue", "edit", "nowhere", "--city", "X"], 66, "no venue matches"),
        ] as [([String], Int32, String)] {
            let result = try day.cli.run(arguments)
            #expect(result.exitCode == code, "\(arguments): \(result)")
            #expect(result.stderrLines.count == 1 && result.stderr.contains(says), "\(arguments): \(result.stderr)")
        }
        #expect(try day.dump() == before)
    }

    @Test func deletesAskForForceAndSayWhatGoesWithThem() throws {
        let day = try FieldDay()
        let cli = day.cli
        try cli.ok("attend", day.module1, "李伟", "present")
        try cli.ok("attend", day.module1, "2345678", "absent")
        try cli.ok("note", "add", "--event", day.module1, "Room 204")
        let before = try day.dump()

        let refused = try cli.run(["event", "delete", day.module1])
        #expect(refused.exitCode == 64, "\(refused)")
        #expect(
            refused.stderr
                == "fieldbook: event \"Module 1\" 2024-03-02T09:00 has 2 attendance marks and 1 note, which would be deleted with it; add --force to delete them all\n"
        )
        let cohort = try cli.run(["cohort", "delete", "NPQH Spring 2024"])
        #expect(cohort.exitCode == 64)
        #expect(
            cohort.stderr.contains("has 4 participants, 1 event, 2 attendance marks and 1 note"), "\(cohort.stderr)")
        let person = try cli.run(["participant", "delete", "1234567"])
        #expect(person.exitCode == 64 && person.stderr.contains("1 attendance mark"), "\(person)")
        let venue = try cli.run(["venue", "delete", "Shanghai Pudong Bilingual School"])
        #expect(venue.exitCode == 65 && venue.stderr.contains("hosts 1 event"), "\(venue)")
        #expect(try day.dump() == before, "refused deletes change nothing")

        // Without marks, no --force is needed.
        #expect(try cli.ok("participant", "delete", "Chen Jie").hasPrefix("Deleted participant Chen Jie ("))
        #expect(try cli.ok("cohort", "delete", "NPQLT Spring 2024").hasPrefix("Deleted cohort NPQLT Spring 2024 ("))

        let deleted = try cli.ok("event", "delete", day.module1, "--force")
        #expect(deleted.contains(", with 2 attendance marks and 1 note"), "\(deleted)")
        #expect(try cli.array("event", "list").isEmpty)
        #expect(try cli.array("note", "list").isEmpty)
        #expect(try cli.ok("venue", "delete", "Shanghai Pudong Bilingual School").hasPrefix("Deleted venue "))
        let status = try cli.object("status")
        #expect(status["attendance_marks"] as? Int == 0 && status["events"] as? Int == 0)
        #expect(status["cohorts"] as? Int == 1 && status["venues"] as? Int == 0 && status["participants"] as? Int == 3)

        let gone = try cli.object("cohort", "delete", "NPQH Spring 2024", "--force")
        #expect(gone["participants"] as? Int == 3)
        #expect(try cli.object("status")["participants"] as? Int == 0)
        #expect(try cli.run(["register", day.module1]).exitCode == 66, "a deleted event is gone")
    }

    @Test func unmarkedClearsAMarkAndItsRemark() throws {
        let day = try FieldDay()
        let cli = day.cli
        try cli.ok("attend", day.module1, "1234567", "late", "--remark", "train delay")
        #expect(try cli.object("status")["attendance_marks"] as? Int == 1)
        #expect(try cli.ok("attend", day.module1, "1234567", "unmarked") == "Cleared the mark of 李伟\n")
        let lines = try #require(try cli.object("register", day.module1)["lines"] as? [[String: Any]])
        let li = try #require(lines.first { ($0["participant"] as? [String: Any])?["trn"] as? String == "1234567" })
        #expect(li["status"] as? String == "unmarked" && li["remark"] == nil)
        #expect(try cli.object("status")["attendance_marks"] as? Int == 0)
        // Clearing what is not marked writes nothing; a mark afterwards starts without the old remark.
        let before = try day.dump()
        try cli.ok("attend", day.module1, "Chen Jie", "unmarked")
        #expect(try day.dump() == before)
        let again = try cli.object("attend", day.module1, "1234567", "present")
        #expect(again["remark"] == nil)
        let withRemark = try cli.run(["attend", day.module1, "1234567", "unmarked", "--remark", "x"])
        #expect(withRemark.exitCode == 64, "\(withRemark)")
    }

    @Test func exactDuplicatesAreRefused() throws {
        let day = try FieldDay()
        let before = try day.dump()
        let cohort = try day.cli.run(["cohort", "add", "--programme", "npqh", "--name", " spring  2024 "])
        #expect(cohort.exitCode == 65)
        #expect(cohort.stderr.hasPrefix("fieldbook: cohort NPQH Spring 2024 exists already ("), "\(cohort.stderr)")
        let event = try day.cli.run([
            "event", "add", "--cohort", "NPQH Spring 2024", "--kind", "face-to-face", "--title", "module 1",
            "--starts", "2024-03-02 09:00", "--venue", "Shanghai Pudong Bilingual School",
        ])
        #expect(event.exitCode == 65 && event.stderr.contains("exists already in this cohort"), "\(event)")
        #expect(try day.dump() == before)
        // Another programme, or another time, is another cohort or session.
        try day.cli.ok("cohort", "add", "--programme", "NPQSL", "--name", "Spring 2024")
        try day.cli.ok(
            "event", "add", "--cohort", "NPQH Spring 2024", "--kind", "webinar", "--title", "Module 1", "--starts",
            "2024-03-06T19:30")
    }
}
