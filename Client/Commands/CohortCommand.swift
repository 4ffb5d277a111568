import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct CohortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohort", abstract: "Add, list, correct and delete cohorts.",
        subcommands: [Add.self, List.self, Edit.self, Delete.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a cohort of a programme.",
            discussion: "Example: fieldbook cohort add --programme NPQH --name \"Spring 2024\" --starts 2024-02-18")
        @OptionGroup var global: GlobalOptions
        @Option(help: "NPQH, NPQSL, NPQLT, NPQLTD, NPQLBC or NPQLL.", completion: Completions.programmes)
        var programme: String
        @Option(help: "The cohort's name, e.g. \"Spring 2024\".") var name: String
        @Option(help: "Start date, YYYY-MM-DD.") var starts: String?

        func run() throws {
            try CLI.run {
                let cohort = try global.open().addCohort(programme: programme, name: name, starts: starts)
                try CLI.output(cohort, json: global.json) {
                    "Added cohort \(cohort.id.short)  \(cohort.programme) \(cohort.name)"
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List cohorts.", discussion: "Example: fieldbook cohort list")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try CLI.run {
                let cohorts = try global.open().cohorts()
                try CLI.output(cohorts, json: global.json) {
                    CLI.table(
                        ["ID", "PROGRAMME", "NAME", "STARTS"],
                        cohorts.map { [$0.id.short, $0.programme, $0.name, $0.starts ?? ""] })
                }
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a cohort's programme, name or start date.",
            discussion: "Example: fieldbook cohort edit \"NPQH Spring 2024\" --name \"Spring 2024 (Shanghai)\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The cohort (ID prefix, name, or programme and name).") var cohort: String
        @Option(help: "The new programme.", completion: Completions.programmes) var programme: String?
        @Option(help: "The new name.") var name: String?
        @Option(help: "The new start date, YYYY-MM-DD (\"\" to remove it).") var starts: String?

        func run() throws {
            try CLI.run {
                let cohort = try global.open().editCohort(cohort, programme: programme, name: name, starts: starts)
                try CLI.output(cohort, json: global.json) {
                    "Edited cohort \(cohort.id.short)  \(cohort.programme) \(cohort.name)"
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a cohort, with its participants, events, marks and notes.",
            discussion: """
                A cohort that holds anything asks for --force and says what would go with it.
                Example: fieldbook cohort delete "NPQLT Spring 2024" --force
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The cohort (ID prefix, name, or programme and name).") var cohort: String
        @Flag(help: "Delete what goes with it too.") var force = false

        func run() throws {
            try CLI.run {
                let deletion = try global.open().deleteCohort(cohort, force: force)
                try CLI.output(deletion, json: global.json) { deletion.summary }
            }
        }
    }
}

extension Deletion {
    /// "Deleted event "Module 1" 2024-03-02T09:00 (9f3a2b1c), with 12 attendance marks".
    var summary: String {
        "Deleted \(kind) \(label) (\(id.short))" + (takesMore ? ", with \(consequences)" : "")
    }
}
