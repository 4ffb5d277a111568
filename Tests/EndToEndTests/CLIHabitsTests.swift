import FieldbookCommandLine
import FieldbookTestSupport
import Foundation
import Testing

/// Issue 11, items 7 and 8: habits from other tools work or are answered plainly.
struct CLIHabitsTests {
    @Test func dbBeforeTheCommandWorksAsInGit() throws {
        let cli = try CLIRunner()
        let file = cli.directory.path("laptop.sqlite")
        try cli.ok("--db", file, "init", "--name", "Laptop")
        try cli.ok("--db=\(file)", "--json", "cohort", "add", "--programme", "NPQH", "--name", "Spring 2024")
        #expect(try cli.ok("--json", "--db", file, "cohort", "list").contains("\"name\" : \"Spring 2024\""))
        #expect(!FileManager.default.fileExists(atPath: cli.db), "the default replica was not touched")
        #expect(try cli.run(["--db", file, "--help"]).exitCode == 0)
    }

    @Test(arguments: [
        (["atend", "x"], "'atend' is not a command; did you mean 'fieldbook attend'?"),
        (["cohort", "lst"], "'lst' is not a command; did you mean 'fieldbook cohort list'?"),
        (["reprot"], "did you mean 'fieldbook report'?"),
        (["frobnicate"], "'frobnicate' is not a command: one of init, status,"),
    ])
    func typosGetASuggestion(arguments: [String], says: String) throws {
        let cli = try CLIRunner()
        let result = try cli.run(arguments)
        #expect(result.exitCode == 64, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("fieldbook: "), "\(result)")
        #expect(result.stderr.contains(says), "\(result.stderr)")
    }

    @Test(arguments: ["CST", "cst", "IST", "BST", "EST", "PRC"])
    func ambiguousZoneAbbreviationsAreRefused(zone: String) throws {
        let cli = try CLIRunner()
        try cli.ok("init", "--name", "Laptop")
        try cli.ok("cohort", "add", "--programme", "NPQH", "--name", "Spring 2024")
        let result = try cli.run([
            "event", "add", "--cohort", "Spring 2024", "--kind", "webinar", "--title", "W", "--starts",
            "2024-03-06T19:30", "--zone", zone,
        ])
        #expect(result.exitCode == 65, "\(result)")
        #expect(result.stderr.contains("time zone '\(zone)' is an abbreviation"), "\(result.stderr)")
        if zone.uppercased() == "CST" {
            #expect(result.stderr.contains("Asia/Shanghai (China) or America/Chicago (US Central)"))
        }
        #expect(try cli.array("event", "list").isEmpty)
    }

    @Test(arguments: [("李伟", 4), ("Li Wei", 6), ("王𠮷", 4), ("Ｌｉ", 4), ("é", 1), ("e\u{301}", 1), ("", 0)])
    func displayWidthCountsCells(text: String, cells: Int) {
        #expect(DisplayWidth.of(text) == cells)
    }
}

/// Times print for the reader: with the weekday, in the replica's zone.
struct LocalTimeDisplayTests {
    @Test func aReplicaInLondonPrintsShanghaiSessionsInBothZones() throws {
        let cli = try CLIRunner()
        let refused = try cli.run(["init", "--name", "London office", "--zone", "BST"])
        #expect(refused.exitCode == 65 && refused.stderr.contains("Europe/London"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: cli.db), "a refused init creates no replica")
        try cli.ok("init", "--name", "London office", "--zone", "Europe/London")
        try cli.ok("cohort", "add", "--programme", "NPQH", "--name", "Spring 2024")
        try cli.ok(
            "event", "add", "--cohort", "Spring 2024", "--kind", "webinar", "--title", "W1", "--starts",
            "2024-03-08T19:30")
        #expect(
            try cli.ok("event", "list").contains(
                "Fri 2024-03-08 19:30 Asia/Shanghai = Fri 2024-03-08 11:30 Europe/London"))
        #expect(try cli.ok("status").contains("time zone    Europe/London"))
    }
}
