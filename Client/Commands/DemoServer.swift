import Fieldbook
import FieldbookCore
import Foundation

/// The demo's sync server: the `fieldbook-server` executable as a child process on a free
/// loopback port, so the laptop's `fieldbook` links no server code (no Hummingbird, no
/// PostgresNIO). Its tokens are issued with `fieldbook-server token issue`, as the office
/// would.
// @unchecked: `Process` is not Sendable; it is started in `start` and then only
// terminated and waited for, which Foundation allows from any thread.
final class DemoServer: @unchecked Sendable {
    /// The `fieldbook-server` executable.
    let executable: URL
    /// The server's SQLite file.
    let database: String
    /// The server's log.
    let log: String
    private let process: Process
    /// The server's base URL, once it listens.
    private(set) var url = ""

    /// The `fieldbook-server` beside this `fieldbook` (a build folder, or where both are
    /// installed), else the first on `PATH`.
    ///
    /// - Throws: `notFound`, with what to do, when there is none.
    static func locate() throws -> URL {
        var folders: [URL] = []
        if let me = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            folders.append(me.deletingLastPathComponent())
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        folders += path.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        for folder in folders {
            let candidate = folder.appendingPathComponent("fieldbook-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw FieldbookError(
            .notFound,
            "the demo needs fieldbook-server, which is neither next to fieldbook nor on PATH; "
                + "build it (`swift build`, or `swift build --product fieldbook-server`) and run the demo again")
    }

    init(folder: String) throws {
        executable = try Self.locate()
        database = folder + "/server.sqlite"
        log = folder + "/server.log"
        process = Process()
    }

    /// Starts `fieldbook-server serve` on a free port and waits until it says it listens.
    func start() async throws {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        process.executableURL = executable
        process.arguments = [
            "serve", "--db", database, "--host", "127.0.0.1", "--port", "0", "--log-level", "notice", "--no-console",
        ]
        process.environment = Self.environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 {
            if let port = listeningPort() {
                url = "http://127.0.0.1:\(port)"
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        let said = readText(log).split(separator: "\n").last.map(String.init) ?? "nothing"
        throw FieldbookError(.unavailable, "the demo's fieldbook-server did not start (its log says: \(said))")
    }

    /// The port in the server's "fieldbook-server listening" log line, once it is there.
    private func listeningPort() -> Int? {
        guard
            let line = readText(log).split(separator: "\n").first(where: { $0.contains("fieldbook-server listening") }),
            let range = line.range(of: "port=")
        else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Stops the server (SIGTERM: it finishes the round in flight) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Issues a device token with `fieldbook-server token issue`: for the office (every
    /// cohort) when `cohort` is nil, else for that cohort.
    func issueToken(name: String, cohort: RowID?) throws -> String {
        let scope = cohort.map { ["--cohort", $0.description] } ?? ["--all"]
        let (status, output, error) = try run(["token", "issue", "--db", database, "--name", name] + scope)
        let token = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, token.hasPrefix("fbk_") else {
            let said = error.split(separator: "\n").first.map(String.init) ?? "exit \(status)"
            throw FieldbookError(.internal, "fieldbook-server token issue failed: \(said)")
        }
        return token
    }

    /// Runs `fieldbook-server ARGUMENTS` to its end.
    private func run(_ arguments: [String]) throws -> (Int32, String, String) {
        let child = Process()
        child.executableURL = executable
        child.arguments = arguments
        child.environment = Self.environment
        let output = Pipe()
        let error = Pipe()
        child.standardOutput = output
        child.standardError = error
        child.standardInput = FileHandle.nullDevice
        try child.run()
        // Both pipes are small (a token, an error line); read them before waiting.
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return (child.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// The environment without the server settings a user may have exported: the demo
    /// uses its own SQLite file, never their PostgreSQL database.
    private static var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FIELDBOOK_") }
    }

    private func readText(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    deinit { stop() }
}
