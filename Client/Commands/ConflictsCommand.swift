import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

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
