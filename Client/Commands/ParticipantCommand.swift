import ArgumentParser
import Fieldbook
import FieldbookCommandLine
import FieldbookCore
import Foundation

struct ParticipantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "participant", abstract: "Add, import, list, correct and delete participants.",
        subcommands: [Add.self, ParticipantImportCommand.self, List.self, Edit.self, Delete.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a participant to a cohort.",
            discussion: """
                Example: fieldbook participant add --cohort "NPQH Spring 2024" --name 李伟 --trn 1234567 \\
                    --school "Shanghai Pudong Bilingual School" --city Shanghai
                """)
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
                    "Added participant \(participant.id.short)  \(participant.label)"
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List participants.",
            discussion: "Example: fieldbook participant list --cohort \"NPQH Spring 2024\"")
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

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a participant's name, TRN, school, city or email.",
            discussion: """
                An empty value ("") removes an optional field. The cohort cannot change.
                Example: fieldbook participant edit 1234567 --email li.wei@spbs.cn --school ""
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The participant (ID prefix, TRN or name).") var participant: String
        @Option(help: "The new full name.") var name: String?
        @Option(help: "The new TRN.") var trn: String?
        @Option(help: "The new school.") var school: String?
        @Option(help: "The new city.") var city: String?
        @Option(help: "The new email address.") var email: String?

        func run() throws {
            try CLI.run {
                let participant = try global.open().editParticipant(
                    participant, .init(name: name, trn: trn, school: school, city: city, email: email))
                try CLI.output(participant, json: global.json) {
                    "Edited participant \(participant.id.short)  \(participant.label)"
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a participant, with their marks and the notes about them.",
            discussion: """
                A participant with marks or notes asks for --force and says what would go.
                Example: fieldbook participant delete 1234567 --force
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The participant (ID prefix, TRN or name).") var participant: String
        @Flag(help: "Delete their marks and notes too.") var force = false

        func run() throws {
            try CLI.run {
                let deletion = try global.open().deleteParticipant(participant, force: force)
                try CLI.output(deletion, json: global.json) { deletion.summary }
            }
        }
    }
}
