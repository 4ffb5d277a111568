import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Add and list events.", subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an event to a cohort.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The cohort (ID prefix or name).") var cohort: String
        @Option(help: "induction, face-to-face or webinar.") var kind: String
        @Option(help: "The title.") var title: String
        @Option(help: "Local start, YYYY-MM-DDTHH:MM.") var starts: String
        @Option(help: "IANA time zone of --starts.") var zone = "Asia/Shanghai"
        @Option(help: "The host school, for face-to-face (ID prefix or school name).") var venue: String?
        @Option(help: "Module number.") var module: Int?

        func run() throws {
            try CLI.run {
                let event = try global.open().addEvent(
                    cohort: cohort,
                    .init(kind: kind, title: title, starts: starts, zone: zone, venue: venue, module: module))
                try CLI.output(event, json: global.json) {
                    "Added event \(event.id.short)  \(event.kind.rawValue) \"\(event.title)\" \(event.starts) \(event.zone)"
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events by start time.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?

        func run() throws {
            try CLI.run {
                let fieldbook = try global.open()
                let events = try fieldbook.events(cohort: cohort)
                let venues = Dictionary(uniqueKeysWithValues: try fieldbook.venues().map { ($0.id, $0) })
                try CLI.output(events, json: global.json) {
                    CLI.table(
                        ["ID", "KIND", "STARTS", "ZONE", "MODULE", "VENUE", "TITLE"],
                        events.map {
                            [
                                $0.id.short, $0.kind.rawValue, $0.starts, $0.zone, $0.module.map(String.init) ?? "",
                                $0.venueID.flatMap { venues[$0] }.map { "\($0.school), \($0.city)" } ?? "", $0.title,
                            ]
                        })
                }
            }
        }
    }
}

struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend", abstract: "Mark a participant's attendance at an event.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event (ID prefix).") var event: String
    @Argument(help: "The participant (ID prefix or TRN).") var participant: String
    @Argument(help: "present, late, absent or excused.") var status: String
    @Option(help: "A remark, e.g. \"arrived 09:20, train delay\".") var remark: String?

    func run() throws {
        try CLI.run {
            let line = try global.open().attend(event: event, participant: participant, status: status, remark: remark)
            try CLI.output(line, json: global.json) { "Marked \(line.participant.name) \(line.status)" }
        }
    }
}

struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Show an event's roll: every participant with their mark or \"unmarked\".")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event (ID prefix).") var event: String

    struct Output: Encodable {
        var event: Event
        var lines: [RegisterLine]
    }

    func run() throws {
        try CLI.run {
            let (event, lines) = try global.open().register(event: event)
            try CLI.output(Output(event: event, lines: lines), json: global.json) {
                let counts = Dictionary(grouping: lines, by: \.status).mapValues(\.count)
                let summary = ["present", "late", "absent", "excused", "unmarked"].compactMap { status in
                    counts[status].map { "\($0) \(status)" }
                }.joined(separator: ", ")
                return "\(event.title) — \(event.kind.rawValue), \(event.starts) \(event.zone)\n"
                    + CLI.table(
                        ["ID", "TRN", "NAME", "STATUS", "REMARK"],
                        lines.map {
                            [
                                $0.participant.id.short, $0.participant.trn ?? "", $0.participant.name, $0.status,
                                $0.remark ?? "",
                            ]
                        })
                    + "\n\(lines.count) participants: \(summary.isEmpty ? "none" : summary)"
            }
        }
    }
}
