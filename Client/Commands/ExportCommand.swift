import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export attendance or notes in a stable order (CSV or JSON).",
        discussion: """
            CSV is laid out for Excel (UTF-8 with a byte order mark, CRLF line ends), so Chinese
            names open intact; --plain writes it without the mark and with LF line ends.
            Examples:
              fieldbook export attendance --cohort "NPQH Spring 2024" -o attendance.csv
              fieldbook export notes --format json
            """,
        subcommands: [Attendance.self, Notes.self])

    struct Options: ParsableArguments {
        @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?
        @Option(help: "csv or json.", completion: Completions.exportFormats) var format: String = "csv"
        @Flag(help: "CSV without the byte order mark, with LF line ends (for scripts, not Excel).") var plain = false
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func exportFormat() throws -> ExportFormat {
            guard let format = ExportFormat(rawValue: format.lowercased()) else {
                throw FieldbookError(.usage, "--format '\(format)' is not csv or json")
            }
            return format
        }

        var style: CSVStyle { plain ? .plain : .excel }

        func emit(_ text: String) throws {
            guard let output else { return print(text, terminator: "") }
            try CLI.writeAtomically(Array(text.utf8), to: output)
        }
    }

    struct Attendance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the register: every participant at every event, marked or unmarked.",
            discussion: """
                A mark with an open conflict has "yes" in the column open_conflict (fieldbook conflicts).
                Example: fieldbook export attendance --cohort "NPQH Spring 2024" -o attendance.csv
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options
        @Flag(help: "Leave out participants with no mark at an event.") var markedOnly = false

        func run() throws {
            try CLI.run {
                let format: ExportFormat = global.json ? .json : try options.exportFormat()
                try options.emit(
                    try global.open().exportAttendance(
                        cohort: options.cohort, format: format, style: options.style, includeUnmarked: !markedOnly))
            }
        }
    }

    struct Notes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export notes, with the events and people they are about named.",
            discussion: "Example: fieldbook export notes --format json -o notes.json")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: Options

        func run() throws {
            try CLI.run {
                let format: ExportFormat = global.json ? .json : try options.exportFormat()
                try options.emit(
                    try global.open().exportNotes(cohort: options.cohort, format: format, style: options.style))
            }
        }
    }
}
