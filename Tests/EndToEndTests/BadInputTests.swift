import FieldbookTestSupport
import Foundation
import Testing

/// Bad input never changes the replica and always ends in one clear line.
///
/// Each case runs one command against a freshly prepared replica (or a file that is not
/// one) and checks the documented exit code, exactly one line on stderr starting with
/// `fieldbook: `, nothing on stdout, and the file unchanged.
struct BadInputTests {
    /// Which file `FIELDBOOK_DB` points at.
    enum Target: Sendable {
        case replica, textFile, otherSQLite, directory, missing
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The command; `{event0}`, `{event1}`, `{participant0}`, `{otherParticipant}`,
        /// `{ambiguous}`, `{unknown}`, `{dir}` and `{cohort0}` are filled in from the
        /// prepared replica.
        var arguments: [String]
        var exitCode: Int32
        /// Text the error line must contain.
        var mentions: String
        var target: Target = .replica
        /// Files to write into the folder first.
        var files: [String: String] = [:]

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "malformed TRN",
            arguments: ["participant", "add", "--cohort", "{cohort0}", "--name", "X", "--trn", "12345"],
            exitCode: 65, mentions: "must be exactly 7 digits"),
        Case(
            name: "TRN with letters",
            arguments: ["participant", "add", "--cohort", "{cohort0}", "--name", "X", "--trn", "12345AB"],
            exitCode: 65, mentions: "TRN '12345AB'"),
        Case(
            name: "TRN already in the cohort",
            arguments: ["participant", "add", "--cohort", "{cohort0}", "--name", "Li Wei 2", "--trn", "1234567"],
            exitCode: 65, mentions: "already in cohort"),
        Case(
            name: "bad email",
            arguments: ["participant", "add", "--cohort", "{cohort0}", "--name", "X", "--email", "li at school"],
            exitCode: 65, mentions: "not an email address"),
        Case(
            name: "unknown cohort", arguments: ["participant", "add", "--cohort", "Winter 1999", "--name", "X"],
            exitCode: 66, mentions: "no cohort matches 'Winter 1999'"),
        Case(
            name: "unknown participant prefix", arguments: ["attend", "{event0}", "{unknown}", "present"],
            exitCode: 66, mentions: "no participant matches"),
        Case(
            name: "unknown event prefix", arguments: ["attend", "zz", "{participant0}", "present"],
            exitCode: 66, mentions: "no event matches 'zz'"),
        Case(
            name: "ambiguous participant prefix", arguments: ["attend", "{event0}", "{ambiguous}", "present"],
            exitCode: 65, mentions: "is ambiguous"),
        Case(
            name: "bad status", arguments: ["attend", "{event0}", "{participant0}", "maybe"],
            exitCode: 65, mentions: "status 'maybe' is not one of present, late, absent, excused"),
        Case(
            name: "event of another cohort", arguments: ["attend", "{event1}", "{participant0}", "present"],
            exitCode: 65, mentions: "is not in the cohort of event"),
        Case(
            name: "bad cohort start date",
            arguments: ["cohort", "add", "--programme", "NPQH", "--name", "X", "--starts", "2024-02-30"],
            exitCode: 65, mentions: "'2024-02-30' is not a date"),
        Case(
            name: "unknown programme", arguments: ["cohort", "add", "--programme", "NPQX", "--name", "X"],
            exitCode: 65, mentions: "programme 'NPQX' is not one of"),
        Case(
            name: "bad event start",
            arguments: [
                "event", "add", "--cohort", "{cohort0}", "--kind", "webinar", "--title", "T", "--starts",
                "2024-13-01T09:00",
            ],
            exitCode: 65, mentions: "is not a time"),
        Case(
            name: "bad time zone",
            arguments: [
                "event", "add", "--cohort", "{cohort0}", "--kind", "webinar", "--title", "T", "--starts",
                "2024-03-01T09:00",
                "--zone", "Mars/Olympus",
            ],
            exitCode: 65, mentions: "time zone 'Mars/Olympus' is unknown"),
        Case(
            name: "face-to-face without a venue",
            arguments: [
                "event", "add", "--cohort", "{cohort0}", "--kind", "f2f", "--title", "T", "--starts",
                "2024-03-01T09:00",
            ],
            exitCode: 65, mentions: "needs --venue"),
        Case(
            name: "note about two cohorts",
            arguments: ["note", "add", "--event", "{event1}", "--participant", "{participant0}", "hi"],
            exitCode: 65, mentions: "different cohorts"),
        Case(
            name: "note about nothing", arguments: ["note", "add", "hi"], exitCode: 64,
            mentions: "say what the note is about"),
        Case(
            name: "edit an unknown note", arguments: ["note", "edit", "{unknown}", "hi"], exitCode: 66,
            mentions: "no note matches"),
        Case(
            name: "CSV with a bad row", arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/bad.csv"],
            exitCode: 65, mentions: "line 4, column trn: TRN '12' must be exactly 7 digits",
            files: ["bad.csv": "name,trn\nA One,1111111\nB Two,2222222\nC Three,12\nD Four,4444444\n"]),
        Case(
            name: "CSV row with too many fields",
            arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/wide.csv"],
            exitCode: 65, mentions: "line 3: 3 fields, but the header has 2",
            files: ["wide.csv": "name,trn\r\n\"A, One\",1111111\r\nB,2222222,extra\r\n"]),
        Case(
            name: "CSV with a quoted field spanning lines",
            arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/multi.csv"],
            exitCode: 65, mentions: "line 4, column trn: TRN",
            files: ["multi.csv": "name,trn\n\"A\nOne\",1111111\nB,1\n"]),
        Case(
            name: "CSV without a name column",
            arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/cols.csv"],
            exitCode: 65, mentions: "line 1: the header has no name column",
            files: ["cols.csv": "phone,trn\n1,1111111\n"]),
        Case(
            name: "CSV with a duplicate TRN",
            arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/dup.csv"],
            exitCode: 65, mentions: "line 3, column trn: TRN 5555555 is also on line 2",
            files: ["dup.csv": "name,trn\nA,5555555\nB,5555555\n"]),
        Case(
            name: "empty CSV", arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/empty.csv"],
            exitCode: 65, mentions: "empty", files: ["empty.csv": ""]),
        Case(
            name: "missing CSV file",
            arguments: ["participant", "import", "--cohort", "{cohort0}", "{dir}/nowhere.csv"],
            exitCode: 66, mentions: "no file at"),
        Case(
            name: "init over an existing replica", arguments: ["init", "--name", "Again"], exitCode: 73,
            mentions: "already exists"),
        Case(
            name: "init in a missing folder",
            arguments: ["init", "--name", "A", "--db", "{dir}/missing/replica.sqlite"],
            exitCode: 66, mentions: "does not exist"),
        Case(
            name: "bad export format", arguments: ["export", "attendance", "--format", "xml"], exitCode: 64,
            mentions: "--format 'xml' is not csv or json"),
        Case(
            name: "resolve an unknown conflict",
            arguments: ["conflicts", "resolve", "{unknown}", "--keep", "x"],
            exitCode: 66, mentions: "no conflict matches"),
        Case(
            name: "a text file as the replica", arguments: ["status"], exitCode: 65,
            mentions: "not a Fieldbook replica", target: .textFile),
        Case(
            name: "a text file as the replica, writing", arguments: ["venue", "add", "--city", "X", "--school", "Y"],
            exitCode: 65, mentions: "not a Fieldbook replica", target: .textFile),
        Case(
            name: "another SQLite database as the replica", arguments: ["cohort", "list"], exitCode: 65,
            mentions: "not a Fieldbook replica", target: .otherSQLite),
        Case(
            name: "another SQLite database as the replica, writing",
            arguments: ["cohort", "add", "--programme", "NPQH", "--name", "X"], exitCode: 65,
            mentions: "not a Fieldbook replica", target: .otherSQLite),
        Case(
            name: "init over another SQLite database", arguments: ["init", "--name", "X"], exitCode: 73,
            mentions: "already exists", target: .otherSQLite),
        Case(
            name: "a missing replica", arguments: ["status"], exitCode: 66, mentions: "fieldbook init", target: .missing
        ),
        Case(
            name: "a missing replica, writing", arguments: ["note", "add", "--cohort", "x", "hi"], exitCode: 66,
            mentions: "no replica at", target: .missing),
        Case(
            name: "a folder as --db", arguments: ["status"], exitCode: 65, mentions: "is a folder", target: .directory),
    ]

    @Test(arguments: cases)
    func badInputChangesNothingAndSaysWhyInOneLine(_ badCase: Case) throws {
        let cli = try CLIRunner()
        for (name, text) in badCase.files { try cli.directory.write(text, to: name) }
        let db: String
        var prepared: PreparedReplica?
        switch badCase.target {
        case .replica:
            prepared = try PreparedReplica.make(at: cli.db)
            db = cli.db
        case .textFile:
            db = try cli.directory.write("name,trn\nLi Wei,1234567\n", to: "roster.csv")
        case .otherSQLite:
            db = cli.directory.path("contacts.sqlite")
            try makeForeignSQLiteDatabase(at: db)
        case .directory:
            db = cli.directory.path("folder")
            try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        case .missing:
            db = cli.directory.path("nowhere.sqlite")
        }
        let arguments = badCase.arguments.map { argument in
            var text = argument.replacingOccurrences(of: "{dir}", with: cli.directory.url.path)
            if let prepared {
                text = text.replacingOccurrences(of: "{event0}", with: prepared.events[0].id.short)
                    .replacingOccurrences(of: "{event1}", with: prepared.events[1].id.short)
                    .replacingOccurrences(of: "{participant0}", with: prepared.participants[0].id.short)
                    .replacingOccurrences(of: "{cohort0}", with: prepared.cohorts[0].name)
                    .replacingOccurrences(of: "{ambiguous}", with: prepared.ambiguousPrefix)
                    .replacingOccurrences(of: "{unknown}", with: prepared.unknownPrefix)
            }
            return text
        }

        let before = try Self.snapshot(of: db, target: badCase.target)
        let result = try cli.run(arguments, db: db)

        #expect(result.exitCode == badCase.exitCode, "\(arguments.joined(separator: " ")): \(result)")
        #expect(result.stderrLines.count == 1, "exactly one line on stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("fieldbook: "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("\n"))
        #expect(result.stderr.contains(badCase.mentions), "\(result.stderr)")
        #expect(!result.stderr.contains("SQLITE"), "no raw SQLite codes")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(try Self.snapshot(of: db, target: badCase.target) == before, "the file must be unchanged")
        if badCase.target == .missing {
            #expect(!FileManager.default.fileExists(atPath: db), "a failed command creates no replica")
        }
        #expect(!FileManager.default.fileExists(atPath: cli.directory.path("missing")), "no folder was created")
    }

    /// What must not change: the canonical content of a replica (WAL-safe), or the exact
    /// bytes of any other file, plus whether SQLite side files appeared.
    static func snapshot(of path: String, target: Target) throws -> String {
        let sideFiles = ["-wal", "-shm", "-journal"].filter { FileManager.default.fileExists(atPath: path + $0) }
        switch target {
        case .replica:
            return try canonicalDump(ofFile: path)
        case .textFile, .otherSQLite:
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            return bytes.base64EncodedString() + " " + sideFiles.joined(separator: ",")
        case .directory:
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted().joined(separator: ",")
        case .missing:
            return "\(FileManager.default.fileExists(atPath: path)) \(sideFiles)"
        }
    }

    /// Usage errors come from the argument parser; the tool turns them into one
    /// `fieldbook:` line naming the help to read, like every other error.
    @Test(arguments: [["status", "--bogus"], ["attend", "abc"], ["cohort", "add", "--name", "X"]])
    func usageErrorsExitWith64(arguments: [String]) throws {
        let cli = try CLIRunner()
        _ = try PreparedReplica.make(at: cli.db)
        let before = try canonicalDump(ofFile: cli.db)
        let result = try cli.run(arguments)
        #expect(result.exitCode == 64, "\(result)")
        #expect(try canonicalDump(ofFile: cli.db) == before)
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("fieldbook: "), "\(result.stderr)")
        #expect(result.stderr.contains("--help"), "\(result.stderr)")
    }
}
