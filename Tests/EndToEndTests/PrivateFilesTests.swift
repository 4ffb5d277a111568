import FieldbookCommandLine
import FieldbookTestSupport
import Foundation
import Testing

/// A replica holds teachers' names and notes: only its owner may read the file.
struct PrivateFilesTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func initCreatesThePrivateFolderAndFile() throws {
        let cli = try CLIRunner()
        var environment = cli.environment
        environment["FIELDBOOK_DB"] = ""
        let result = try runProcess(cli.executable, ["init", "--name", "Wang"], environment: environment)
        #expect(result.exitCode == 0, "\(result)")
        let folder = cli.directory.path("xdg") + "/fieldbook"
        #expect(try Self.mode(folder) == 0o700)
        #expect(try Self.mode(folder + "/replica.sqlite") == 0o600)
    }

    @Test func aReplicaInAnExistingFolderIsPrivateToo() throws {
        let cli = try CLIRunner()
        try cli.ok("init", "--name", "Wang")
        _ = try cli.ok("cohort", "list")
        #expect(try Self.mode(cli.db) == 0o600)
        if FileManager.default.fileExists(atPath: cli.db + "-wal") { #expect(try Self.mode(cli.db + "-wal") == 0o600) }
    }
}

/// What the CLI prints of a server's words cannot drive the terminal.
struct TerminalTextTests {
    @Test(arguments: [
        ("plain text stays", "token 'wang' refused", "token 'wang' refused"),
        ("escape sequences are defused", "bad\u{1B}[2J\u{1B}]0;owned\u{07}", "bad\u{FFFD}[2J\u{FFFD}]0;owned\u{FFFD}"),
        ("C1 controls too", "a\u{9B}31mb", "a\u{FFFD}31mb"),
        ("a message stays one line", "one\ntwo\r", "one two "),
        ("bidi overrides are shown", "abc\u{202E}fed", "abc\u{FFFD}fed"),
        ("Chinese is kept", "王老师 上海", "王老师 上海"),
    ])
    func sanitizes(_ name: String, _ text: String, _ expected: String) {
        #expect(TerminalText.sanitized(text) == expected, "\(name)")
    }
}
