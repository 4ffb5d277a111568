import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct CohortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohort", abstract: "Add and list cohorts.", subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a cohort of a programme.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "NPQH, NPQSL, NPQLT, NPQLTD, NPQLBC or NPQLL.") var programme: String
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
        static let configuration = CommandConfiguration(abstract: "List cohorts.")
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
}

struct VenueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venue", abstract: "Add and list host schools.", subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a host school.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "City, e.g. Shenzhen.") var city: String
        @Option(help: "The host school's name.") var school: String

        func run() throws {
            try CLI.run {
                let venue = try global.open().addVenue(city: city, school: school)
                try CLI.output(venue, json: global.json) {
                    "Added venue \(venue.id.short)  \(venue.school), \(venue.city)"
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List host schools.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try CLI.run {
                let venues = try global.open().venues()
                try CLI.output(venues, json: global.json) {
                    CLI.table(["ID", "CITY", "SCHOOL"], venues.map { [$0.id.short, $0.city, $0.school] })
                }
            }
        }
    }
}

struct ParticipantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "participant", abstract: "Add, import and list participants.",
        subcommands: [Add.self, Import.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a participant to a cohort.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The cohort (ID prefix or name).") var cohort: String
        @Option(help: "Full name.") var name: String
        @Option(help: "7-digit Teacher Reference Number.") var trn: String?
        @Option(help: "School.") var school: String?
        @Option(help: "City.") var city: String?
        @Option(help: "Email address.") var email: String?

        func run() throws {
            try CLI.run {
                let participant = try global.open().addParticipant(
                    cohort: cohort, .init(name: name, trn: trn, school: school, city: city, email: email))
                try CLI.output(participant, json: global.json) {
                    "Added participant \(participant.id.short)  \(participant.name)"
                        + (participant.trn.map { " (TRN \($0))" } ?? "")
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import participants from CSV (header: name,trn,school,city,email). All or nothing.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The cohort (ID prefix or name).") var cohort: String
        @Argument(help: "The CSV file.") var file: String

        func run() throws {
            try CLI.run {
                let text = try CLI.readText(file)
                let participants = try global.open().importParticipants(cohort: cohort, csv: text)
                try CLI.output(participants, json: global.json) { "Imported \(participants.count) participants" }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List participants.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this cohort (ID prefix or name).") var cohort: String?

        func run() throws {
            try CLI.run {
                let participants = try global.open().participants(cohort: cohort)
                try CLI.output(participants, json: global.json) {
                    CLI.table(
                        ["ID", "TRN", "NAME", "SCHOOL", "CITY", "EMAIL"],
                        participants.map {
                            [$0.id.short, $0.trn ?? "", $0.name, $0.school ?? "", $0.city ?? "", $0.email ?? ""]
                        })
                }
            }
        }
    }
}
