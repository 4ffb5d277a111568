import FieldbookTestSupport
import Foundation
import Testing

/// Every offline command, run as a facilitator would, from an empty folder.
struct CommandTests {
    @Test func aFacilitatorsSessionFromInitToExport() throws {
        let cli = try CLIRunner()

        // init and status
        let created = try cli.object("init", "--name", "Wang Li (Shanghai laptop)")
        #expect(created["name"] as? String == "Wang Li (Shanghai laptop)")
        let replicaID = try #require(created["replica_id"] as? String)
        #expect(replicaID.count == 32 && replicaID.allSatisfy(\.isHexDigit))
        #expect(try cli.ok("status").contains("replica      Wang Li (Shanghai laptop) (\(replicaID))"))
        #expect(try cli.object("status")["cohorts"] as? Int == 0)

        // cohorts and venues
        #expect(
            try cli.ok("cohort", "add", "--programme", "npqh", "--name", "Spring 2024", "--starts", "2024-03-02")
                .hasPrefix("Added cohort "))
        let autumn = try cli.object("cohort", "add", "--programme", "NPQLT", "--name", "Autumn 2024")
        let cohorts = try cli.array("cohort", "list")
        // By start date; a cohort without one comes first.
        #expect(cohorts.map { $0["name"] as? String } == ["Autumn 2024", "Spring 2024"])
        #expect(try cli.ok("cohort", "list").contains("NPQH       Spring 2024  2024-03-02"))
        try cli.ok("venue", "add", "--city", "Shenzhen", "--school", "Shenzhen Bay School")
        let venues = try cli.array("venue", "list")
        #expect(venues.map { $0["school"] as? String } == ["Shenzhen Bay School"])

        // participants: one by one, then a CSV with quoting, a BOM and CRLF line ends
        let li = try cli.object(
            "participant", "add", "--cohort", "Spring 2024", "--name", "Li Wei", "--trn", "1234567", "--email",
            "li.wei@school.cn")
        #expect(li["trn"] as? String == "1234567")
        let csv = try cli.directory.write(
            "\u{FEFF}name,trn,school,city\r\n\"Chen, Jie\",2345678,\"Shanghai \"\"No. 3\"\"\",Shanghai\r\nZhang Min,,,Chengdu\r\n",
            to: "roster.csv")
        let result = try cli.object("participant", "import", "--cohort", "Spring 2024", csv)
        let imported = try #require(result["added"] as? [[String: Any]])
        #expect(result["encoding"] as? String == "utf-8")
        #expect(imported.map { $0["name"] as? String } == ["Chen, Jie", "Zhang Min"])
        #expect(imported.first?["school"] as? String == "Shanghai \"No. 3\"")
        let roster = try cli.array("participant", "list", "--cohort", "Spring 2024")
        #expect(roster.map { $0["name"] as? String } == ["Chen, Jie", "Li Wei", "Zhang Min"])
        #expect(try cli.array("participant", "list", "--cohort", autumn["id"] as! String).isEmpty)
        #expect(try cli.ok("participant", "list").contains("1234567  Li Wei"))

        // events
        let module = try cli.object(
            "event", "add", "--cohort", "Spring 2024", "--kind", "f2f", "--title", "Module 1: Leading change",
            "--starts", "2024-03-02T09:00", "--venue", "Shenzhen Bay School", "--module", "1")
        #expect(module["kind"] as? String == "face-to-face")
        #expect(module["starts_utc"] as? String == "2024-03-02T01:00:00Z")
        try cli.ok(
            "event", "add", "--cohort", "Spring 2024", "--kind", "webinar", "--title", "Webinar 1", "--starts",
            "2024-03-06 19:30", "--zone", "Europe/London")
        let events = try cli.array("event", "list", "--cohort", "Spring 2024")
        #expect(events.map { $0["title"] as? String } == ["Module 1: Leading change", "Webinar 1"])
        #expect(try cli.ok("event", "list").contains("Shenzhen Bay School, Shenzhen"))
        let eventID = try #require(module["id"] as? String)
        let eventShort = String(eventID.suffix(12).prefix(8))

        // attendance: by TRN, by short ID; a re-mark edits the same record
        #expect(
            try cli.ok("attend", eventShort, "1234567", "late", "--remark", "train delay") == "Marked Li Wei late\n")
        try cli.ok("attend", eventShort, "1234567", "present")
        let chen = try #require(roster.first { $0["name"] as? String == "Chen, Jie" }?["id"] as? String)
        let mark = try cli.object("attend", eventID, String(chen.suffix(12).prefix(6)), "ABSENT")
        #expect(mark["status"] as? String == "absent")
        let register = try cli.ok("register", eventShort)
        #expect(register.contains("Module 1: Leading change — face-to-face, Sat 2024-03-02 09:00 Asia/Shanghai"))
        // A London webinar shows both its own time and the replica's (Asia/Shanghai by default).
        #expect(
            try cli.ok("event", "list").contains(
                "Wed 2024-03-06 19:30 Europe/London = Thu 2024-03-07 03:30 Asia/Shanghai"))
        #expect(register.contains("3 participants: 1 present, 1 absent, 1 unmarked"))
        let registerJSON = try cli.object("register", eventShort)
        let lines = try #require(registerJSON["lines"] as? [[String: Any]])
        #expect(lines.map { $0["status"] as? String } == ["absent", "present", "unmarked"])
        #expect(lines[1]["remark"] as? String == "train delay", "a later mark without --remark keeps the remark")

        // notes
        let note = try cli.object(
            "note", "add", "--event", eventShort, "--participant", "1234567", "Asked about module 2")
        let noteID = try #require(note["id"] as? String)
        try cli.ok("note", "add", "--cohort", "Spring 2024", "Room change next week")
        let scratch = try cli.object("note", "add", "--participant", chen, "to delete")
        #expect(
            try cli.ok("note", "edit", String(noteID.suffix(12).prefix(8)), "Asked about module 2 reading")
                .hasPrefix("Edited note "))
        #expect(try cli.ok("note", "delete", scratch["id"] as! String).hasPrefix("Deleted note "))
        let notes = try cli.array("note", "list")
        #expect(notes.map { $0["body"] as? String } == ["Asked about module 2 reading", "Room change next week"])
        #expect(try cli.array("note", "list", "--event", eventShort).count == 1)
        #expect(try cli.array("note", "list", "--participant", "1234567").count == 1)
        #expect(try cli.ok("note", "list").contains("Wang Li (Shanghai laptop)"))

        // conflicts: none on a single replica
        #expect(try cli.ok("conflicts") == "No open conflicts.\n")
        #expect(try cli.ok("conflicts", "list", "--all") == "The ledger is empty.\n")
        #expect(try cli.array("conflicts").isEmpty)

        // exports: CSV for Excel (BOM, RFC 4180, CRLF) and JSON, to stdout and to a file
        let attendance = try cli.ok("export", "attendance")
        #expect(attendance.hasPrefix("\u{FEFF}"))
        let rows = attendance.dropFirst().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(
            rows.first
                == "programme,cohort_id,cohort,event_id,event,kind,starts,zone,venue,venue_city,participant_id,participant,trn,school,city,status,remark,open_conflict"
        )
        #expect(rows.count == 1 + 3 * 2, "every participant at every event, marked or not")
        #expect(rows.contains { $0.contains(",\"Chen, Jie\",2345678,\"Shanghai \"\"No. 3\"\"\",Shanghai,absent,") })
        #expect(rows.filter { $0.contains(",unmarked,") }.count == 4)
        let attendanceJSON = try cli.array("export", "attendance")
        #expect(attendanceJSON.count == 6)
        #expect(try cli.array("export", "attendance", "--marked-only").count == 2)
        #expect(
            try cli.ok("export", "attendance", "--format", "json", "--marked-only").data(using: .utf8).map {
                try JSONSerialization.jsonObject(with: $0) as? [Any]
            }??.count == 2)
        let file = cli.directory.path("attendance.csv")
        #expect(try cli.ok("export", "attendance", "--cohort", "Spring 2024", "-o", file).isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(attendance.utf8))
        let notesCSV = try cli.ok("export", "notes", "--format", "csv", "--plain")
        #expect(
            notesCSV.hasPrefix(
                "id,cohort_id,cohort,event_id,event,event_starts,participant_id,participant,trn,author,created,body\n"))
        #expect(try cli.array("export", "notes").count == 2)
        #expect(try cli.ok("export", "attendance") == attendance, "exports are stable")

        // status counts everything
        let status = try cli.object("status")
        #expect(status["cohorts"] as? Int == 2)
        #expect(status["venues"] as? Int == 1)
        #expect(status["participants"] as? Int == 3)
        #expect(status["events"] as? Int == 2)
        #expect(status["attendance_marks"] as? Int == 2)
        #expect(status["notes"] as? Int == 2)
        #expect(status["open_conflicts"] as? Int == 0)
    }

    @Test func helpAndVersion() throws {
        let cli = try CLIRunner()
        let help = try cli.run(["--help"])
        #expect(help.exitCode == 0)
        for command in [
            "init", "status", "cohort", "venue", "participant", "event", "attend", "rollcall", "register", "note",
            "conflicts",
            "export", "report",
        ] {
            #expect(help.stdout.contains("  \(command) "), "--help lists \(command)")
        }
        #expect(try cli.run(["--version"]).stdout == "0.1.0\n")
    }
}
