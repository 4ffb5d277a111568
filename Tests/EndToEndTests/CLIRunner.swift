import Fieldbook
import FieldbookCore
import FieldbookStore
import FieldbookTestSupport
import Foundation
import Testing

/// Runs the built `fieldbook` as a user would, against a replica in a fresh folder.
///
/// The child gets `FIELDBOOK_DB` pointing at the folder's replica and a `HOME` inside the
/// folder, so nothing a test does can touch a real replica.
struct CLIRunner {
    let directory: TemporaryDirectory
    let executable: URL
    /// The replica file commands use unless they pass `--db`.
    let db: String

    init(file: String = "replica.sqlite") throws {
        directory = try TemporaryDirectory(prefix: "fieldbook-e2e")
        executable = try Executables.fieldbook()
        db = directory.path(file)
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FIELDBOOK_") }
        environment["HOME"] = directory.url.path
        environment["XDG_DATA_HOME"] = directory.path("xdg")
        environment["FIELDBOOK_DB"] = db
        return environment
    }

    /// Runs `fieldbook` with `arguments`, in the folder.
    func run(_ arguments: [String], db: String? = nil) throws -> ProcessResult {
        var environment = environment
        if let db { environment["FIELDBOOK_DB"] = db }
        return try runProcess(executable, arguments, environment: environment, timeout: 60)
    }

    /// Runs a command that must succeed quietly on stderr, and returns its standard output.
    @discardableResult
    func ok(_ arguments: String..., db: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> String
    {
        let result = try run(arguments, db: db)
        #expect(
            result.exitCode == 0, "fieldbook \(arguments.joined(separator: " ")): \(result)",
            sourceLocation: sourceLocation)
        #expect(
            result.stderr.isEmpty, "fieldbook \(arguments.joined(separator: " ")): \(result)",
            sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a `--json` command that must succeed, and parses its output.
    func json(_ arguments: String..., db: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> Any
    {
        let result = try run(arguments + ["--json"], db: db)
        #expect(
            result.exitCode == 0, "fieldbook \(arguments.joined(separator: " ")) --json: \(result)",
            sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// Runs a `--json` command that prints one object.
    func object(_ arguments: String..., db: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [String: Any]
    {
        let result = try run(arguments + ["--json"], db: db)
        #expect(
            result.exitCode == 0, "fieldbook \(arguments.joined(separator: " ")) --json: \(result)",
            sourceLocation: sourceLocation)
        let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(
            value as? [String: Any], "not a JSON object: \(result.stdout)", sourceLocation: sourceLocation)
    }

    /// Runs a `--json` command that prints an array of objects.
    func array(_ arguments: String..., db: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [[String: Any]]
    {
        let result = try run(arguments + ["--json"], db: db)
        #expect(
            result.exitCode == 0, "fieldbook \(arguments.joined(separator: " ")) --json: \(result)",
            sourceLocation: sourceLocation)
        let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(
            value as? [[String: Any]], "not a JSON array: \(result.stdout)", sourceLocation: sourceLocation)
    }
}
