import ArgumentParser
import Fieldbook
import FieldbookCore
import Foundation

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Add, edit, delete and list notes.",
        subcommands: [Add.self, Edit.self, Delete.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a note about an event and/or a participant (or a cohort).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The event it is about (ID prefix).") var event: String?
        @Option(help: "The participant it is about (ID prefix or TRN).") var participant: String?
        @Option(help: "The cohort it is about, when there is no event or participant.") var cohort: String?
        @Argument(help: "The text.") var text: String

        func run() throws {
            try CLI.run {
                let note = try global.open().addNote(text, event: event, participant: participant, cohort: cohort)
                try CLI.output(note, json: global.json) { "Added note \(note.id.short)" }
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a note's text.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The note (ID prefix).") var id: String
        @Argument(help: "The new text.") var text: String

        func run() throws {
            try CLI.run {
                let note = try global.open().editNote(id, text: text)
                try CLI.output(note, json: global.json) { "Edited note \(note.id.short)" }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a note.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The note (ID prefix).") var id: String

        func run() throws {
            try CLI.run {
                let note = try global.open().deleteNote(id)
                try CLI.output(note, json: global.json) { "Deleted note \(note.id.short)" }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List notes, oldest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only notes about this event.") var event: String?
        @Option(help: "Only notes about this participant.") var participant: String?
        @Option(help: "Only notes of this cohort.") var cohort: String?

        func run() throws {
            try CLI.run {
                let notes = try global.open().notes(event: event, participant: participant, cohort: cohort)
                try CLI.output(notes, json: global.json) {
                    CLI.table(
                        ["ID", "CREATED", "AUTHOR", "TEXT"],
                        notes.map {
                            [$0.id.short, $0.created, $0.author, $0.body.replacingOccurrences(of: "\n", with: " ")]
                        })
                }
            }
        }
    }
}

struct ConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "Review the conflict ledger: concurrent values that lost a merge.",
        subcommands: [List.self, Resolve.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open conflicts (--all: resolved too).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include resolved entries.") var all = false

        func run() throws {
            try CLI.run {
                let conflicts = try global.open().conflicts(includeResolved: all)
                try CLI.output(conflicts, json: global.json) {
                    guard !conflicts.isEmpty else { return all ? "The ledger is empty." : "No open conflicts." }
                    return conflicts.map { conflict in
                        let state = conflict.isOpen ? "open" : "resolved \(conflict.resolvedAt ?? "")"
                        func line(_ role: String, _ version: Conflict.Version) -> String {
                            "  \(role)  \(version.valueID)  \(version.value ?? "(none)")  by \(version.authorLabel) at \(version.writtenAt)"
                        }
                        return """
                            \(conflict.id.short)  \(conflict.table).\(conflict.column)  \(conflict.subject)  [\(state)]
                            \(line("winner", conflict.winner))
                            \(line("loser ", conflict.loser))
                            """
                                + (conflict.isOpen
                                    ? "\n  resolve: fieldbook conflicts resolve \(conflict.id.short) --keep \(conflict.loser.valueID)|\(conflict.winner.valueID)"
                                    : "")
                    }.joined(separator: "\n")
                }
            }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a conflict by keeping one value (a value ID from the listing, or winner/loser).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The conflict (ID prefix).") var id: String
        @Option(help: "The value ID to keep.") var keep: String

        func run() throws {
            try CLI.run {
                let conflict = try global.open().resolveConflict(id, keep: keep)
                try CLI.output(conflict, json: global.json) { "Resolved conflict \(conflict.id.short)" }
            }
        }
    }
}

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
