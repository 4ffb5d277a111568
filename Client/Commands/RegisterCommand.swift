import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

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
            let fieldbook = try global.open()
            let (event, lines) = try fieldbook.register(event: event)
            let zone = try fieldbook.displayZone()
            try CLI.output(Output(event: event, lines: lines), json: global.json) {
                let counts = Dictionary(grouping: lines, by: \.status).mapValues(\.count)
                let summary = ["present", "late", "absent", "excused", "unmarked"].compactMap { status in
                    counts[status].map { "\($0) \(status)" }
                }.joined(separator: ", ")
                return "\(event.title) — \(event.kind.rawValue), \(LocalTime.start(of: event, in: zone))\n"
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
