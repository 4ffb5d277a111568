import FieldbookTestSupport
import Foundation

/// What a finished command printed and how it ended.
struct ProcessResult: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// Runs the package's built executables as a user would.
enum Executables {
    /// The folder holding `fieldbook` and `fieldbook-server`: next to the test bundle,
    /// else `.build/debug` of this package.
    static let folder: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/fieldbook-server") }
            ?? candidates[1]
    }()

    static func path(_ name: String) -> String { folder + "/" + name }

    /// An environment that keeps the tools away from the user's own replica and server.
    static func environment(home: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["XDG_DATA_HOME"] = home
        environment["FIELDBOOK_DB"] = ""
        environment["FIELDBOOK_SERVER_DB"] = ""
        return environment
    }

    /// Runs `name` with `arguments` to the end and collects its output.
    static func run(_ name: String, _ arguments: [String], home: String, timeout: Duration = .seconds(60))
        async throws -> ProcessResult
    {
        let process = try RunningProcess(path(name), arguments, environment: environment(home: home))
        return try await process.finish(timeout: timeout)
    }
}

/// A child process whose output goes to files (no pipe can fill up and block it), read
/// as it grows and once it ends.
final class RunningProcess: Sendable {
    private let process: Process
    private let stdoutPath: String
    private let stderrPath: String

    init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        let base = NSTemporaryDirectory() + "fieldbook-process-\(UUID().uuidString.prefix(8))"
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        self.process = process
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    var stdout: String { readText(stdoutPath) }
    var stderr: String { readText(stderrPath) }

    /// Waits until stdout or stderr holds a match of `pattern` and returns its first capture group.
    func waitFor(_ pattern: String, timeout: Duration = .seconds(30)) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = stdout + stderr
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return String(text[Range(range, in: text)!])
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ProcessError(message: "no output matching \(pattern)", stdout: stdout, stderr: stderr)
    }

    /// Sends SIGTERM, as a service manager stopping the server would.
    func terminate() { process.terminate() }

    /// Waits for the process to end (killing it after `timeout`) and returns its result.
    func finish(timeout: Duration = .seconds(60)) async throws -> ProcessResult {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw ProcessError(message: "timed out", stdout: stdout, stderr: stderr)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return ProcessResult(status: status, stdout: stdout, stderr: stderr)
    }

    struct ProcessError: Error, CustomStringConvertible {
        var message: String
        var stdout: String
        var stderr: String
        var description: String { "\(message)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }
}
