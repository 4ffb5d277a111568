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

    /// With no --db and no $FIELDBOOK_DB, the replica lives under $XDG_DATA_HOME, else
    /// under $HOME/.local/share; one left at the $HOME location keeps working when
    /// $XDG_DATA_HOME is set later, with a one-line note.
    @Test func theDefaultReplicaFollowsXDGDataHomeAndHome() throws {
        let folder = try TemporaryDirectory(prefix: "fieldbook-home")
        let executable = try Executables.fieldbook()
        func fieldbook(_ arguments: [String], _ extra: [String: String]) throws -> ProcessResult {
            var environment = ProcessInfo.processInfo.environment.filter {
                !$0.key.hasPrefix("FIELDBOOK_") && $0.key != "XDG_DATA_HOME"
            }
            environment.merge(extra) { $1 }
            return try runProcess(executable, arguments, environment: environment, timeout: 60)
        }
        let home = folder.path("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let underHome = home + "/.local/share/fieldbook/replica.sqlite"

        let created = try fieldbook(["init", "--name", "Home laptop"], ["HOME": home])
        #expect(created.exitCode == 0 && created.stderr.isEmpty, "\(created)")
        #expect(created.stdout.contains("at \(underHome)"), "\(created)")
        #expect(FileManager.default.fileExists(atPath: underHome))

        // An absolute XDG_DATA_HOME wins; a relative one is ignored, as the spec says.
        let xdg = folder.path("xdg")
        let elsewhere = try fieldbook(["init", "--name", "XDG laptop"], ["HOME": home, "XDG_DATA_HOME": xdg])
        #expect(elsewhere.exitCode == 0 && elsewhere.stdout.contains("at \(xdg)/fieldbook/replica.sqlite"))
        let relative = try fieldbook(["status", "--json"], ["HOME": home, "XDG_DATA_HOME": "relative/data"])
        #expect(relative.exitCode == 0 && relative.stderr.isEmpty, "\(relative)")
        #expect(relative.stdout.contains("Home laptop"), "\(relative)")

        // The earlier location keeps working, with a note, while the new one has no replica.
        let fresh = folder.path("fresh")
        let earlier = try fieldbook(["status", "--json"], ["HOME": home, "XDG_DATA_HOME": fresh])
        #expect(earlier.exitCode == 0, "\(earlier)")
        #expect(earlier.stdout.contains("Home laptop"), "\(earlier)")
        #expect(earlier.stderrLines.count == 1, "\(earlier)")
        #expect(
            earlier.stderr.contains(
                "note: using the replica at \(underHome); move it to \(fresh)/fieldbook/replica.sqlite"),
            "\(earlier)")

        // No replica anywhere: one line saying how to make one.
        let none = try fieldbook(["status"], ["HOME": folder.path("nobody"), "XDG_DATA_HOME": folder.path("nothing")])
        if !FileManager.default.fileExists(atPath: NSHomeDirectory() + "/.local/share/fieldbook/replica.sqlite") {
            #expect(none.exitCode == 66 && none.stderrLines.count == 1, "\(none)")
            #expect(none.stderr.contains("no replica at \(folder.path("nothing"))/fieldbook/replica.sqlite"), "\(none)")
        }
    }

    /// Every command's help shows an example, down to the leaves of the command tree
    /// (found by reading each help page's SUBCOMMANDS section).
    @Test func everyCommandsHelpHasAnExample() throws {
        let cli = try CLIRunner()
        var missing: [String] = []
        var visited = 0
        func visit(_ path: [String]) throws {
            let help = try cli.run(path + ["--help"])
            #expect(help.exitCode == 0, "\(path): \(help)")
            visited += 1
            let lines = help.stdout.components(separatedBy: "\n")
            guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else {
                if !help.stdout.contains("Example") { missing.append(path.joined(separator: " ")) }
                return
            }
            for line in lines[(start + 1)...] {
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else {
                    if line.isEmpty || !line.hasPrefix(" ") { break } else { continue }
                }
                let name = String(line.dropFirst(2).prefix { $0 != " " })
                guard !name.isEmpty, name != "help" else { continue }
                try visit(path + [name])
            }
        }
        try visit([])
        #expect(visited > 40, "walked \(visited) help pages")
        #expect(missing.isEmpty, "no example in the help of: \(missing)")
    }

    /// Completion scripts list the values options take.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsCompleteStatusesKindsProgrammesAndFormats(shell: String) throws {
        let cli = try CLIRunner()
        let script = try cli.ok("--generate-completion-script", shell)
        for value in ["excused", "unmarked", "face-to-face", "webinar", "NPQLTD", "gb18030", "Asia/Shanghai"] {
            #expect(script.contains(value), "\(shell): no \(value)")
        }
        #expect(script.contains("rollcall") && script.contains("sheet"), "\(shell): the new commands")
        #expect(script.contains("json"), "\(shell): formats")
    }
}
