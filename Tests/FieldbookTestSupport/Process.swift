import Foundation

/// What a finished child process left behind.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// The exit status (or 128 + signal when it was killed).
    public var exitCode: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String
    /// Whether the process had to be killed because it overran its timeout.
    public var timedOut: Bool

    /// The non-empty lines of standard error.
    public var stderrLines: [String] {
        stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    public var description: String {
        "exit \(exitCode)\(timedOut ? " (timed out)" : "")\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
}

/// Runs an executable to completion and captures its output.
///
/// Output goes to temporary files rather than pipes, so a child that writes a lot can
/// never block on a full pipe while the test waits for it.
///
/// - Parameters:
///   - executable: the program.
///   - arguments: its arguments.
///   - environment: the whole environment of the child (the parent's when `nil`).
///   - input: text for standard input (empty when `nil`).
///   - timeout: seconds after which the child is killed and the result marked.
public func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    timeout: Double = 60
) throws -> ProcessResult {
    let directory = try TemporaryDirectory(prefix: "fieldbook-process")
    let outPath = directory.path("stdout")
    let errPath = directory.path("stderr")
    let inPath = try directory.write(input ?? "", to: "stdin")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let stdin = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
    defer {
        try? stdout.close()
        try? stderr.close()
        try? stdin.close()
    }

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    try process.run()
    var timedOut = false
    if finished.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        process.terminate()
        finished.wait()
    }
    let status =
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ProcessResult(
        exitCode: status,
        stdout: readText(outPath), stderr: readText(errPath),
        timedOut: timedOut)
}

/// A whole file as UTF-8 text, or "" when it cannot be read. Through FileHandle:
/// FileManager.contents(atPath:) leaks a buffer on empty files, which LeakSanitizer reports.
public func readText(_ path: String) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
}

/// Finds the package's built executables for end-to-end tests.
///
/// Looks, in order, in `$FIELDBOOK_BIN_DIR`, in the folder of the running test bundle
/// (and its parents: on macOS the bundle is a folder inside the build folder), and in
/// `.build/debug` of the package that holds this source file.
public enum Executables {
    /// The `fieldbook` command-line tool.
    public static func fieldbook() throws -> URL { try locate("fieldbook") }

    /// The executable called `name`.
    public static func locate(_ name: String, filePath: String = #filePath) throws -> URL {
        for folder in candidateFolders(filePath: filePath) {
            let candidate = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        throw LocateError(
            name: name, searched: candidateFolders(filePath: filePath).map(\.path))
    }

    /// The error when an executable is not built.
    public struct LocateError: Error, CustomStringConvertible {
        public var name: String
        public var searched: [String]
        public var description: String {
            "\(name) is not built (searched \(searched.joined(separator: ", "))); run `swift build --build-tests` first"
        }
    }

    static func candidateFolders(filePath: String) -> [URL] {
        var folders: [URL] = []
        if let override = ProcessInfo.processInfo.environment["FIELDBOOK_BIN_DIR"], !override.isEmpty {
            folders.append(URL(fileURLWithPath: override))
        }
        var bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<4 {
            folders.append(bundle)
            bundle.deleteLastPathComponent()
        }
        var folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                folders.append(folder.appendingPathComponent(".build/debug"))
                break
            }
            folder.deleteLastPathComponent()
        }
        return folders
    }
}
