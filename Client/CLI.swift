import ArgumentParser
import Fieldbook
import FieldbookCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How commands talk to people: output, JSON, and the one-line errors with sysexits codes.
enum CLI {
    /// Runs a command body, turning any failure into one line on stderr and an exit code.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as FieldbookError {
            throw fail(error)
        }
    }

    /// The async form of ``run(_:)``.
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as FieldbookError {
            throw fail(error)
        }
    }

    static func fail(_ error: FieldbookError) -> ExitCode {
        printError(error.message)
        return ExitCode(error.code.exitCode)
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("fieldbook: \(message)\n".utf8))
    }

    /// Prints JSON for `--json`, else the text `human` builds.
    static func output(_ value: some Encodable, json: Bool, human: () -> String) throws {
        print(json ? try Fieldbook.json(value) : human(), terminator: json ? "" : "\n")
    }

    /// Aligns rows into columns under a header.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Reads a whole file, with a clear error when it is missing or unreadable.
    static func readData(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FieldbookError(.notFound, "no file at \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FieldbookError(.storage, "cannot read \(path); check its permissions")
        }
        return data
    }

    /// Writes a file through a temporary file and a rename, so a crash never leaves half a file.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FieldbookError(.storage, "cannot write \(path); check that the folder exists and is writable")
        }
    }

    /// Reads a whole file as text, with a clear error when it is missing or unreadable.
    static func readText(_ path: String) throws -> String {
        let data = try readData(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw FieldbookError(.invalidInput, "\(path) is not UTF-8 text; save it as UTF-8 CSV")
        }
        return text
    }
}
