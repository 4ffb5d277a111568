import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct ConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts", abstract: "Review the conflict ledger: concurrent values that lost a merge.",
        discussion: """
            Each item is one value two people wrote differently at the same time: an attendance mark
            shows its status and remark together, as each person marked it. Keep one version with
            `conflicts resolve`; the whole mark is kept or replaced, on every laptop after a sync.
            Examples:
              fieldbook conflicts
              fieldbook conflicts resolve 1a2b3c4d --keep 9f8e7d
            """,
        subcommands: [List.self, Resolve.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List open conflicts (--all: resolved too).",
            discussion: """
                Examples:
                  fieldbook conflicts list
                  fieldbook conflicts list --all --json
                """)
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include resolved entries.") var all = false

        func run() throws {
            try CLI.run {
                let fieldbook = try global.open()
                let items = try fieldbook.conflictItems(includeResolved: all)
                let zone = try fieldbook.displayZone()
                try CLI.output(items, json: global.json) {
                    guard !items.isEmpty else { return all ? "The ledger is empty." : "No open conflicts." }
                    return items.map { ConflictsCommand.render($0, zone: zone) }.joined(separator: "\n")
                }
            }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a conflict by keeping one version (a value ID from the listing, or winner/loser).",
            discussion: """
                Keeping a version of an attendance mark keeps its status and remark together.
                Examples:
                  fieldbook conflicts resolve 1a2b3c4d --keep 9f8e7d
                  fieldbook conflicts resolve 1a2b3c4d --keep winner
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The conflict (ID prefix).") var id: String
        @Option(help: "The value ID to keep, or winner or loser.") var keep: String

        func run() throws {
            try CLI.run {
                let fieldbook = try global.open()
                let conflict = try fieldbook.resolveConflict(id, keep: keep)
                let item = try fieldbook.conflictItem(entry: conflict.id)
                try CLI.output(item, json: global.json) { "Resolved conflict \(item.id.short)" }
            }
        }
    }

    /// What the item is about: "attendance mark" for a mark, else table.column(s).
    static func label(_ item: ConflictItem) -> String {
        if item.table == NPQSchema.Table.attendance, item.columns.count > 1 { return "attendance mark" }
        return "\(item.table).\(item.columns.joined(separator: "+"))"
    }

    /// One item: a head line, both versions whole side by side, and how to resolve it.
    static func render(_ item: ConflictItem, zone: String) -> String {
        let state =
            item.isOpen ? "open" : "resolved \(item.resolvedAt.map { LocalTime.format(utc: $0, in: zone) } ?? "")"
        func row(_ role: String, _ version: ConflictItem.Version) -> [String] {
            let values: [String] = item.columns.map { version.value($0) ?? "(none)" }
            let written = LocalTime.format(utc: version.writtenAt, in: zone)
            return [role, version.valueID] + values + [version.authorLabel, written]
        }
        let table = CLI.table(
            ["VERSION", "KEEP"] + item.columns.map { $0.uppercased() } + ["BY", "WRITTEN"],
            [row("winner", item.winner), row("loser", item.loser)]
        ).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        var text = "\(item.id.short)  \(label(item))  \(item.subject)  [\(state)]\n" + table
        if item.isOpen {
            text +=
                "\n  resolve: fieldbook conflicts resolve \(item.id.short) --keep \(item.loser.valueID)|\(item.winner.valueID)"
        }
        return text
    }
}
