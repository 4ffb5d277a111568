import ArgumentParser
import Fieldbook
import FieldbookCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How the command-line tools talk to people: output, JSON, and one-line errors with
/// sysexits codes. Shared by `fieldbook` and `fieldbook-server`, each with its own name.
///
/// ```swift
/// let CLI = Terminal(tool: "fieldbook")
/// try CLI.run { … }
/// ```
public struct Terminal: Sendable {
    /// The tool's name, starting every error line.
    public let tool: String

    /// A terminal for the tool called `tool`.
    public init(tool: String) {
        self.tool = tool
    }

    /// Runs the root command like ArgumentParser's `main()`, except that a usage error is
    /// one line (`tool: message; see 'tool … --help'`) with exit code 64, like every other
    /// error of these tools, instead of the usage screen.
    ///
    /// - Parameter arguments: the arguments to parse, when the tool rearranges them
    ///   first (default: the process's).
    public func main<Command: AsyncParsableCommand>(_ type: Command.Type, arguments: [String]? = nil) async {
        do {
            var command = try Command.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Command.exitCode(for: error)
            guard code != .success, !(error is ExitCode) else { Command.exit(withError: error) }
            let full = Command.fullMessage(for: error)
            let first = Command.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let help =
                full.split(separator: "\n").last { $0.contains("--help") }.flatMap { line in
                    line.split(separator: "'").dropFirst().first.map { "; see '\($0)'" }
                } ?? "; see '\(tool) --help'"
            printError(first.replacingOccurrences(of: "Error: ", with: "") + help)
            Foundation.exit(code == .failure ? 64 : code.rawValue)
        }
    }

    /// Runs a command body, turning any failure into one line on stderr and an exit code.
    public func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as FieldbookError {
            throw fail(error)
        }
    }

    /// The async form of ``run(_:)``.
    public func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as FieldbookError {
            throw fail(error)
        }
    }

    public func fail(_ error: FieldbookError) -> ExitCode {
        printError(error.message)
        // A refused roster lists every bad row under the one-line message, so all of
        // them are fixed in one go.
        if let detailed = error.underlying as? DetailedError {
            for line in detailed.details {
                FileHandle.standardError.write(Data("  \(TerminalText.sanitized(line))\n".utf8))
            }
        }
        return ExitCode(error.code.exitCode)
    }

    public func printError(_ message: String) {
        // Messages may carry a server's text: never let it drive the terminal.
        FileHandle.standardError.write(Data("\(tool): \(TerminalText.sanitized(message))\n".utf8))
    }

    /// Prints JSON for `--json`, else the text `human` builds.
    public func output(_ value: some Encodable, json: Bool, human: () -> String) throws {
        print(json ? try Fieldbook.json(value) : human(), terminator: json ? "" : "\n")
    }

    /// Aligns rows into columns under a header, by display width (a Chinese character
    /// takes two cells). Cells are sanitized: a name from a roster or another replica
    /// must not drive the terminal or break a row in two.
    public func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map(TerminalText.sanitized) }
        let widths = header.indices.map { column in all.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : DisplayWidth.padded(cell, to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Reads a whole file, with a clear error when it is missing or unreadable.
    public func readData(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FieldbookError(.notFound, "no file at \(path)")
        }
        // FileHandle, not FileManager.contents(atPath:): that one leaks a 4 KiB buffer on an
        // empty file (found by AddressSanitizer; an empty CSV then exited 1 instead of 65).
        guard let handle = FileHandle(forReadingAtPath: path),
            let data = try? handle.readToEnd() ?? Data()
        else {
            throw FieldbookError(.storage, "cannot read \(path); check its permissions")
        }
        try? handle.close()
        return data
    }

    /// Writes a file through a temporary file and a rename, so a crash never leaves half a file.
    public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FieldbookError(.storage, "cannot write \(path); check that the folder exists and is writable")
        }
    }

    /// Reads a whole file as text, with a clear error when it is missing or unreadable.
    public func readText(_ path: String) throws -> String {
        let data = try readData(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw FieldbookError(.invalidInput, "\(path) is not UTF-8 text; save it as UTF-8 CSV")
        }
        return text
    }
}
