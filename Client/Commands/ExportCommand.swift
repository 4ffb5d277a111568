import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export attendance or notes in a stable order (CSV or JSON).",
        subcommands: [Attendance.self, Notes.self])

    struct Options: ParsableArguments {
        @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?
        @Option(help: "csv or json.") var format: String = "csv"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func exportFormat() throws -> ExportFormat {
            guard let format = ExportFormat(rawValue: format.lowercased()) else {
                throw FieldbookError(.usage, "--format '\(format)' is not csv or json")
            }
            return format
        }

        func emit(_ text: String) throws {
            guard let output else { return print(text, terminator: "") }
            try CLI.writeAtomically(Array(text.utf8), to: output)
        }
    }

    struct Attendance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export attendance marks.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options

        func run() throws {
            try CLI.run {
                let format: ExportFormat = global.json ? .json : try options.exportFormat()
                try options.emit(try global.open().exportAttendance(cohort: options.cohort, format: format))
            }
        }
    }

    struct Notes: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export notes.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options

        func run() throws {
            try CLI.run {
                let format: ExportFormat = global.json ? .json : try options.exportFormat()
                try options.emit(try global.open().exportNotes(cohort: options.cohort, format: format))
            }
        }
    }
}
