import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Show an event's roll: every participant with their mark or \"unmarked\".",
        discussion: """
            A mark that two people made differently at the same time (an open conflict) is flagged
            with "!": the register shows the version that won the merge, and the other one waits in
            the conflict ledger until someone keeps one (fieldbook conflicts).
            Example:
              fieldbook register "Module 1"
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event (ID prefix or title).") var event: String

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
                Self.render(event, lines, zone: zone)
            }
        }
    }

    /// The register as a table; a column "!" flags contested marks when there are any,
    /// with a footnote saying how to review them.
    static func render(_ event: Event, _ lines: [RegisterLine], zone: String) -> String {
        let counts = Dictionary(grouping: lines, by: \.status).mapValues(\.count)
        let summary = ["present", "late", "absent", "excused", "unmarked"].compactMap { status in
            counts[status].map { "\($0) \(status)" }
        }.joined(separator: ", ")
        let contested = lines.filter(\.openConflict).count
        let flag = contested > 0
        let header = ["ID", "TRN", "NAME", "STATUS", "REMARK"]
        let rows = lines.map { line -> [String] in
            let cells = [line.participant.id.short, line.participant.trn ?? "", line.participant.name, line.status]
            let row = cells + [line.remark ?? ""]
            return flag ? [line.openConflict ? "!" : ""] + row : row
        }
        let table = CLI.table(flag ? [""] + header : header, rows)
        var text =
            "\(event.title) — \(event.kind.rawValue), \(LocalTime.start(of: event, in: zone))\n" + table
            + "\n\(lines.count) participants: \(summary.isEmpty ? "none" : summary)"
        if flag {
            text +=
                "\n! \(contested == 1 ? "1 mark has" : "\(contested) marks have") an open conflict (marked differently"
                + " on another laptop); review with `fieldbook conflicts`"
        }
        return text
    }
}
