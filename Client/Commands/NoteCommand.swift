import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Add, edit, delete and list notes.",
        subcommands: [Add.self, Edit.self, Delete.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a note about an event and/or a participant (or a cohort).",
            discussion: """
                Examples:
                  fieldbook note add --event "Module 1" --participant 李伟 "Asked to catch up on module 2"
                  fieldbook note add --event 6d12 "Projector failed; used printed slides."
                """)
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
        static let configuration = CommandConfiguration(
            abstract: "Replace a note's text.",
            discussion: "Example: fieldbook note edit 3f2a \"Caught up on 9 March.\"")
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
        static let configuration = CommandConfiguration(
            abstract: "Delete a note.", discussion: "Example: fieldbook note delete 3f2a")
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
        static let configuration = CommandConfiguration(
            abstract: "List notes, oldest first.", discussion: "Example: fieldbook note list --event \"Module 1\"")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only notes about this event.") var event: String?
        @Option(help: "Only notes about this participant.") var participant: String?
        @Option(help: "Only notes of this cohort.") var cohort: String?

        func run() throws {
            try CLI.run {
                let fieldbook = try global.open()
                let notes = try fieldbook.notes(event: event, participant: participant, cohort: cohort)
                let zone = try fieldbook.displayZone()
                try CLI.output(notes, json: global.json) {
                    CLI.table(
                        ["ID", "CREATED", "AUTHOR", "TEXT"],
                        notes.map {
                            [
                                $0.id.short, LocalTime.format(utc: $0.created, in: zone), $0.author,
                                $0.body.replacingOccurrences(of: "\n", with: " "),
                            ]
                        })
                }
            }
        }
    }
}
