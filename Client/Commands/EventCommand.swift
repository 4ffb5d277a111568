import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Add, list, correct and delete events.",
        subcommands: [Add.self, List.self, Edit.self, Delete.self, Sheet.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an event to a cohort.",
            discussion: """
                Example: fieldbook event add --cohort "NPQH Spring 2024" --kind face-to-face --title "Module 1" \\
                    --starts 2024-03-02T09:00 --venue "Shanghai Pudong Bilingual School" --module 1
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The cohort (ID prefix or name).") var cohort: String
        @Option(help: "induction, face-to-face or webinar.", completion: Completions.kinds) var kind: String
        @Option(help: "The title.") var title: String
        @Option(help: "Local start, YYYY-MM-DDTHH:MM.") var starts: String
        @Option(help: "IANA time zone of --starts.", completion: Completions.zones) var zone = "Asia/Shanghai"
        @Option(help: "The host school, for face-to-face (ID prefix or school name).") var venue: String?
        @Option(help: "Module number.") var module: Int?

        func run() throws {
            try CLI.run {
                let event = try global.open().addEvent(
                    cohort: cohort,
                    .init(kind: kind, title: title, starts: starts, zone: zone, venue: venue, module: module))
                try CLI.output(event, json: global.json) {
                    "Added event \(event.id.short)  \(event.kind.rawValue) \"\(event.title)\" \(LocalTime.withWeekday(local: event.starts)) \(event.zone)"
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List events by start time.",
            discussion: "Example: fieldbook event list --cohort \"NPQH Spring 2024\"")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?

        func run() throws {
            try CLI.run {
                let fieldbook = try global.open()
                let events = try fieldbook.events(cohort: cohort)
                let venues = Dictionary(uniqueKeysWithValues: try fieldbook.venues().map { ($0.id, $0) })
                let zone = try fieldbook.displayZone()
                try CLI.output(events, json: global.json) {
                    CLI.table(
                        ["ID", "KIND", "MODULE", "VENUE", "TITLE", "STARTS"],
                        events.map {
                            [
                                $0.id.short, $0.kind.rawValue, $0.module.map(String.init) ?? "",
                                $0.venueID.flatMap { venues[$0] }.map { "\($0.school), \($0.city)" } ?? "", $0.title,
                                LocalTime.start(of: $0, in: zone),
                            ]
                        })
                }
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct an event's kind, title, start, zone, venue or module.",
            discussion: """
                A new --zone alone keeps the local start time. --venue "" removes the venue, --module 0
                the module. Example: fieldbook event edit 6d12 --starts 2024-03-02T09:30 --title "Module 1: Leading change"
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The event (ID prefix or title).") var event: String
        @Option(help: "induction, face-to-face or webinar.", completion: Completions.kinds) var kind: String?
        @Option(help: "The new title.") var title: String?
        @Option(help: "The new local start, YYYY-MM-DDTHH:MM.") var starts: String?
        @Option(help: "The new IANA time zone.", completion: Completions.zones) var zone: String?
        @Option(help: "The new host school (ID prefix or school name).") var venue: String?
        @Option(help: "The new module number (0 removes it).") var module: Int?

        func run() throws {
            try CLI.run {
                let event = try global.open().editEvent(
                    event,
                    .init(kind: kind, title: title, starts: starts, zone: zone, venue: venue, module: module))
                try CLI.output(event, json: global.json) {
                    "Edited event \(event.id.short)  \(event.kind.rawValue) \"\(event.title)\" \(event.starts) \(event.zone)"
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an event, with its attendance marks and notes.",
            discussion: """
                An event with marks or notes asks for --force and says what would go with it.
                Example: fieldbook event delete 6d12 --force
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The event (ID prefix or title).") var event: String
        @Flag(help: "Delete its marks and notes too.") var force = false

        func run() throws {
            try CLI.run {
                let deletion = try global.open().deleteEvent(event, force: force)
                try CLI.output(deletion, json: global.json) { deletion.summary }
            }
        }
    }

    struct Sheet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a printable sign-in sheet for an event (one HTML page).",
            discussion: """
                The page stands alone (no network, fonts or scripts needed) and prints on A4: the
                event, programme, cohort, venue, local date and time, and every participant of the
                cohort by name, with pinyin for Chinese names, TRN, school and a box to sign.
                Example: fieldbook event sheet "Module 1" --output module1-sign-in.html
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The event (ID prefix or title).") var event: String
        @Option(
            name: .shortAndLong, help: "Write to this file (e.g. sheet.html) instead of standard output.",
            completion: Completions.htmlFiles)
        var output: String?

        func run() throws {
            try CLI.run {
                let sheet = try global.open().signInSheet(event: event)
                if global.json { return try CLI.output(sheet, json: true) { "" } }
                let page = SignInSheetPage.html(sheet)
                guard let output else { return print(page, terminator: "") }
                try CLI.writeAtomically(Array(page.utf8), to: output)
                print(
                    "Wrote the sign-in sheet of \"\(sheet.event.title)\" (\(sheet.lines.count) participants) to \(output)"
                )
            }
        }
    }
}
